#!/usr/bin/env python3
"""replace_section.py FILE TEXT: puts TEXT (starting with "## Title") in FILE
in place of the section of the same title, or at the end if it has none."""
import os
import sys

path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
title = section.splitlines()[0]
text = open(path).read() if os.path.exists(path) else ""
start = text.find(title + "\n")
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
else:
    text = text.rstrip() + "\n\n" + section
open(path, "w").write(text)
