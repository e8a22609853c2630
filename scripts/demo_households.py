#!/usr/bin/env python3
"""Writes a JSON array of demo households (realistic Chinese names, addresses,
valid ID numbers and phones, category tags) for `doorstep device household import`."""
import json
import random
import sys

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢"
GIVEN = ["伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "建国", "玉兰", "淑珍", "志强", "海燕",
         "春梅", "国庆", "子涵", "浩然", "欣怡", "梓萱", "宇轩", "一诺", "俊杰", "雨桐"]
ESTATES = ["阳光小区", "幸福里", "和平新村", "东风小区", "桃园小区", "锦绣花园", "翠湖苑", "红旗新村"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(rng, year, sex):
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "m" else 0)
    body = "320102%04d%02d%02d%03d" % (year, rng.randint(1, 12), rng.randint(1, 28), seq)
    total = sum(int(c) * w for c, w in zip(body, WEIGHTS))
    return body + "10X98765432"[total % 11]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(2026)
    households = []
    for i in range(count):
        surname = rng.choice(SURNAMES)
        head_year = rng.randint(1936, 1990)
        head = {
            "name": surname + rng.choice(GIVEN),
            "relation": "head",
            "id_number": id_number(rng, head_year, rng.choice("mf")),
            "phone": "1%d%09d" % (rng.choice([3, 5, 7, 8, 9]), rng.randrange(10**9)),
            "tags": [],
        }
        if head_year < 1946:
            head["tags"].append({"code": "senior", "start": "2024-01-01", "end": None, "attributes": {}})
        if rng.random() < 0.08:
            head["tags"].append({"code": "dibao", "start": "2023-07-01", "end": None, "attributes": {"area": "城市"}})
        residents = [head]
        if rng.random() < 0.7:
            residents.append({"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": "spouse",
                              "id_number": id_number(rng, head_year + rng.randint(-3, 3), rng.choice("mf"))})
        for _ in range(rng.choice([0, 1, 1, 2])):
            residents.append({"name": surname + rng.choice(GIVEN), "relation": "child"})
        if len(residents) == 1 and head_year < 1956:
            head["tags"].append({"code": "elder_alone", "start": "2022-03-01", "end": None, "attributes": {}})
        households.append({
            "address": {"estate": rng.choice(ESTATES), "building": "%d栋" % rng.randint(1, 20),
                        "unit": "%d单元" % rng.randint(1, 4), "door": "%d%02d" % (rng.randint(1, 18), rng.randint(1, 4))},
            "residence_type": rng.choice(["registered"] * 6 + ["resident", "migrant"]),
            "residents": residents,
        })
    json.dump(households, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
