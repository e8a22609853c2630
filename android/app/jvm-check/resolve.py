"""Resolves a classpath from Maven Central for the JVM check of the app module.

AndroidX publishes its POMs from Gradle: an AAR dependency carries no <type>,
so Maven itself cannot resolve them. This reads the POMs breadth first, takes
the highest version asked for (as Gradle does), fetches each POM and its AAR
or JAR with `mvn dependency:get` into ~/.m2, and writes one path a line.

usage: resolve.py ROOTS OUT [--skip GROUP]...
ROOTS has one `group artifact version` a line; roots are always taken, and
dependencies in a skipped group (or a group under it) are left out.
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

M2 = os.path.expanduser('~/.m2/repository')
NS = '{http://maven.apache.org/POM/4.0.0}'


def path(g, a, v, ext):
    return f"{M2}/{g.replace('.', '/')}/{a}/{v}/{a}-{v}.{ext}"


def fetch(g, a, v, ext):
    if not os.path.exists(path(g, a, v, ext)):
        subprocess.run(['mvn', '-B', '-q', 'dependency:get', '-Dtransitive=false',
                        f'-Dartifact={g}:{a}:{v}:{ext}'], capture_output=True)
    return os.path.exists(path(g, a, v, ext))


def order(v):
    return [(0, int(x), '') if x.isdigit() else (1, 0, x) for x in re.split(r'[.-]', v)]


def text(node, tag):
    found = node.find(NS + tag)
    return found.text.strip() if found is not None and found.text else None


def properties(pom):
    """The POM's properties with its parents' (for versions written `${name}`)."""
    props = {}
    parent = pom.find(NS + 'parent')
    if parent is not None:
        g, a, v = text(parent, 'groupId'), text(parent, 'artifactId'), text(parent, 'version')
        if fetch(g, a, v, 'pom'):
            props.update(properties(ET.parse(path(g, a, v, 'pom')).getroot()))
        props['project.parent.version'] = v
    found = pom.find(NS + 'properties')
    for prop in (list(found) if found is not None else []):
        props[prop.tag.replace(NS, '')] = (prop.text or '').strip()
    props['project.version'] = text(pom, 'version') or props.get('project.parent.version', '')
    return props


def expand(value, props):
    for _ in range(5):
        value = re.sub(r'\$\{([^}]+)\}', lambda m: props.get(m.group(1), m.group(0)), value)
    return value


def main():
    roots_file, out_file = sys.argv[1], sys.argv[2]
    skip = [sys.argv[i + 1] for i, arg in enumerate(sys.argv) if arg == '--skip']
    queue = [tuple(line.split()) for line in open(roots_file) if line.strip() and not line.startswith('#')]
    chosen = {}
    while queue:
        g, a, v = queue.pop(0)
        if (g, a) in chosen and order(chosen[(g, a)]) >= order(v):
            continue
        chosen[(g, a)] = v
        if not fetch(g, a, v, 'pom'):
            continue  # a version nobody serves; a higher one asked elsewhere wins
        pom = ET.parse(path(g, a, v, 'pom')).getroot()
        props = properties(pom)
        deps = pom.find(NS + 'dependencies')
        for d in deps.findall(NS + 'dependency') if deps is not None else []:
            scope, version = text(d, 'scope') or 'compile', text(d, 'version')
            version = expand(version, props) if version else None
            dg, da = text(d, 'groupId'), text(d, 'artifactId')
            if scope not in ('compile', 'runtime') or version is None or text(d, 'optional') == 'true':
                continue
            if any(dg == group or dg.startswith(group + '.') for group in skip):
                continue
            queue.append((dg, da, version.strip('[]()').split(',')[0].strip()))
    missing, lines = [], []
    for (g, a), v in sorted(chosen.items()):
        if not os.path.exists(path(g, a, v, 'pom')):
            missing.append(f'{g}:{a}:{v}')
            continue
        packaging = text(ET.parse(path(g, a, v, 'pom')).getroot(), 'packaging') or 'jar'
        if packaging == 'pom':
            continue
        ext = 'aar' if packaging == 'aar' else 'jar'
        if fetch(g, a, v, ext) or fetch(g, a, v, 'jar' if ext == 'aar' else 'aar'):
            lines.append(path(g, a, v, ext if os.path.exists(path(g, a, v, ext)) else ('jar' if ext == 'aar' else 'aar')))
        else:
            missing.append(f'{g}:{a}:{v}')
    if missing:
        sys.exit('not served by Maven Central: ' + ', '.join(missing))
    with open(out_file, 'w') as out:
        out.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
