#!/usr/bin/env bash
# The demo, until the sync server lands: builds `doorstep`, creates an encrypted
# device database with a few hundred households of a demo community, and shows
# what a grid worker's phone does with it offline: search by name, pinyin,
# initials, door number and ID ending, and the ID number check.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p doorstep-cli
bin=target/release/doorstep
demo=target/demo
rm -rf "$demo" && mkdir -p "$demo"
dev=(device --db "$demo/device.db" --key-file "$demo/device.key")

"$bin" "${dev[@]}" init --grid G01 --grid-name 阳光社区第一网格
python3 scripts/demo_households.py 300 > "$demo/households.json"
"$bin" "${dev[@]}" household import "$demo/households.json"
echo
echo "The database is encrypted: its first bytes are not 'SQLite format 3':"
head -c 16 "$demo/device.db" | od -An -c | head -1
for query in 王 wangwei zs 302 阳光 "幸福里 3栋"; do
  echo
  echo "\$ doorstep device household search '$query'"
  "$bin" "${dev[@]}" household search "$query" | python3 -c 'import json,sys; [print("  ", h["head"], h["address"]) for h in json.load(sys.stdin)[:5]]'
done
echo
echo "\$ doorstep id check 11010519491231002x"
"$bin" id check 11010519491231002x
echo "\$ doorstep id check 110105199902300013"
"$bin" id check 110105199902300013 || true
echo
echo "Demo database: $demo/device.db (key in $demo/device.key)"
