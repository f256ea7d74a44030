#!/usr/bin/env python3
"""Reads an edgec --report page as XML with Python's own parser (the tests' independent check
that it is well-formed) and prints, as JSON, its element names, its text and every src/href.

Usage: read_report.py report.html
"""
import json
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
tags, links = set(), []
for element in root.iter():
    tags.add(element.tag.split("}")[-1])
    links += [f"{key}={value}" for key, value in element.attrib.items() if key in ("src", "href")]
print(json.dumps({"tags": sorted(tags), "text": " ".join(root.itertext()), "links": links}))
