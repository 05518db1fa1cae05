#!/usr/bin/env python3
"""Rewrites the example blocks of docs/guide.md from docs/examples/*.cpp.

Each block follows a marker line `<!-- example: NAME.cpp -->`; the text between the ```cpp fence
after it and the closing fence becomes the file's content. ctest's docs/guide_shows_examples
fails when the two differ, so run this after editing an example."""
import pathlib
import re

docs = pathlib.Path(__file__).resolve().parent.parent
guide = docs / "guide.md"
pattern = re.compile(r"<!-- example: (\S+) -->\n```cpp\n.*?```\n", re.S)


def block(match):
    name = match.group(1)
    return f"<!-- example: {name} -->\n```cpp\n{(docs / 'examples' / name).read_text()}```\n"


guide.write_text(pattern.sub(block, guide.read_text()))
