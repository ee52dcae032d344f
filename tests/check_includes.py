#!/usr/bin/env python3
"""The layers of src/, checked against the arrows of src/README.md.

Every `#include "box/..."` in src/<box>/ and every `ebcm_<box>` named in src/<box>/CMakeLists.txt
must be the box itself or a box its arrow line allows. Prints each offence as
`path:line: <box> may not include <other> (allowed: ...)` and exits 1; exits 0 when there is none.

  check_includes.py [SOURCE_DIR]   check a checkout (default: this one)
  check_includes.py --self-test    check that an upward include is caught (a throwaway tree)
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([a-z_]+)/[^"]+"')
LINKED = re.compile(r'\bebcm_([a-z]+)\b')


def read_arrows(readme):
    text = open(readme, encoding="utf-8").read()
    m = re.search(r"```arrows\n(.*?)```", text, re.S)
    if not m:
        raise SystemExit(f"{readme}: no ```arrows block")
    arrows = {}
    for n, line in enumerate(m.group(1).splitlines(), 1):
        if not line.strip():
            continue
        box, _, below = line.partition(":")
        arrows[box.strip()] = set(below.split())
    for box, below in arrows.items():
        for b in below - set(arrows):
            raise SystemExit(f"{readme}: box '{box}' names '{b}', which has no line of its own")
    return arrows


def check(root):
    src = os.path.join(root, "src")
    arrows = read_arrows(os.path.join(src, "README.md"))
    problems = []
    boxes = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for box in boxes:
        if box not in arrows:
            problems.append(f"src/{box}/: a box without an arrow line in src/README.md")
            continue
        allowed = arrows[box] | {box}
        folder = os.path.join(src, box)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if name.endswith((".cpp", ".hpp", ".in")):
                pattern = INCLUDE
            elif name == "CMakeLists.txt":
                pattern = LINKED
            else:
                continue
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if name == "CMakeLists.txt" and line.lstrip().startswith("#"):
                        continue
                    for other in pattern.findall(line) if pattern is LINKED else \
                            [m.group(1) for m in [pattern.match(line)] if m]:
                        if other in arrows and other not in allowed:
                            verb = "link" if pattern is LINKED else "include"
                            problems.append(
                                f"{rel}:{n}: {box} may not {verb} {other} (allowed: "
                                f"{', '.join(sorted(arrows[box])) or 'nothing'})")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "src", "core"))
        os.makedirs(os.path.join(root, "src", "model"))
        with open(os.path.join(root, "src", "README.md"), "w") as f:
            f.write("```arrows\ncore:\nmodel: core\n```\n")
        with open(os.path.join(root, "src", "model", "a.cpp"), "w") as f:
            f.write('#include "core/x.hpp"\n#include "model/y.hpp"\n')
        with open(os.path.join(root, "src", "core", "b.cpp"), "w") as f:
            f.write('#include "core/x.hpp"\n\n#include "model/y.hpp"  // upward\n')
        with open(os.path.join(root, "src", "core", "CMakeLists.txt"), "w") as f:
            f.write("# ebcm_model in a comment is fine\nadd_library(ebcm_core)\n"
                    "target_link_libraries(ebcm_core PUBLIC ebcm_model)\n")
        got = check(root)
        want = ["src/core/CMakeLists.txt:3: core may not link model (allowed: nothing)",
                "src/core/b.cpp:3: core may not include model (allowed: nothing)"]
        if got != want:
            print("self-test failed:\n  got  " + "\n       ".join(got) +
                  "\n  want " + "\n       ".join(want))
            return 1
    print("self-test: an upward include and an upward link are caught")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) or link(s) against the arrows of src/README.md")
        return 1
    print("every include and link of src/ follows the arrows of src/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
