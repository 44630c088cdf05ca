#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""md2man.py: a man page from one of docs/*.md, so that the docs stay the
one source of truth (issue 16). It knows the Markdown those files use and
nothing more: headings, paragraphs, bullet and numbered lists (with
continuation lines), indented and fenced code blocks, pipe tables (each
row becomes a tagged paragraph: the first cell as the tag, the others as
"Header: value"), `code`, **bold**, *emphasis* and [links](target).
Anything else is a paragraph. pandoc would do more, at 170 MB.

usage: md2man.py IN.md OUT.N NAME SECTION "one-line description" ["SEE ALSO line"]
"""
import datetime
import os
import re
import sys

VERSION = "0.1.0"


def esc(text):
    """roff-escapes plain text (no font changes in it yet)."""
    return text.replace("\\", "\\e")


def inline(text):
    """Markdown inline markup to roff fonts; escapes the rest."""
    out = []
    pos = 0
    pattern = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*)\*(?!\w)|\[([^\]]+)\]\(([^)]+)\)")
    for m in pattern.finditer(text):
        out.append(esc(text[pos:m.start()]))
        code, bold, emph, ltext, target = m.groups()
        if code is not None:
            out.append("\\fB" + esc(code).replace("-", "\\-") + "\\fR")
        elif bold is not None:
            out.append("\\fB" + inline(bold) + "\\fR")
        elif emph is not None:
            out.append("\\fI" + inline(emph) + "\\fR")
        else:
            out.append(inline(ltext))
            if target.startswith("http"):
                out.append(" <" + esc(target) + ">")
            elif ".md" in target:
                page = os.path.basename(target.split("#")[0])
                out.append(" (docs/" + esc(page) + ")")
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def line_safe(s):
    """A roff text line must not start with a control character."""
    return "\\&" + s if s.startswith((".", "'")) else s


def table_rows(lines):
    rows = []
    for ln in lines:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        rows.append(cells)
    return rows


def emit_table(out, lines):
    rows = table_rows(lines)
    if not rows:
        return
    head, body = rows[0], rows[1:]
    for r in body:
        out.append(".TP")
        out.append(line_safe(inline(r[0])))
        parts = []
        for h, c in zip(head[1:], r[1:]):
            if c:
                parts.append(inline(h) + ": " + inline(c))
        out.append(line_safe("; ".join(parts)) if parts else "\\&")


def emit_code(out, lines):
    out.append(".PP")
    out.append(".RS 4")
    out.append(".nf")
    for ln in lines:
        out.append(line_safe(esc(ln).replace("-", "\\-")))
    out.append(".fi")
    out.append(".RE")


def indented_block(lines, i, width):
    """The code block indented by width spaces from line i (blank lines
    inside it kept), without its indent; and the index after it."""
    pad = " " * width
    block = []
    while i < len(lines) and (lines[i].startswith(pad) or
                              (lines[i] == "" and i + 1 < len(lines) and lines[i + 1].startswith(pad))):
        block.append(lines[i][width:])
        i += 1
    return block, i


def convert(src, name, section, desc, see_also):
    out = []
    date = datetime.date.fromtimestamp(os.stat(src).st_mtime).isoformat()
    if os.environ.get("SOURCE_DATE_EPOCH"):
        date = datetime.datetime.utcfromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"])).date().isoformat()
    out.append('.TH "%s" "%s" "%s" "ringvisor %s" "ringvisor manual"' % (name.upper(), section, date, VERSION))
    out.append(".SH NAME")
    out.append("%s \\- %s" % (esc(name).replace("-", "\\-"), esc(desc)))
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, n = 0, len(lines)
    para = []
    list_depth = 0

    def flush():
        nonlocal para
        if para:
            out.append(line_safe(inline(" ".join(s.strip() for s in para))))
            para = []

    while i < n:
        ln = lines[i]
        if ln.startswith("```"):
            flush()
            j = i + 1
            while j < n and not lines[j].startswith("```"):
                j += 1
            emit_code(out, lines[i + 1:j])
            i = j + 1
            continue
        m = re.match(r"^(#+)\s+(.*)$", ln)
        if m:
            flush()
            level, title = len(m.group(1)), m.group(2)
            if level == 1:
                # The title is the NAME line's. A code block right under it
                # is the synopsis; the text that follows, the description.
                j = i + 1
                while j < n and not lines[j].strip():
                    j += 1
                if j < n and lines[j].startswith("    "):
                    out.append(".SH SYNOPSIS")
                    block, j = indented_block(lines, j, 4)
                    emit_code(out, block)
                out.append(".SH DESCRIPTION")
                i = j
                continue
            elif level == 2:
                out.append(".SH " + line_safe(inline(title).upper()))
            else:
                out.append(".SS " + line_safe(inline(title)))
            i += 1
            continue
        if ln.startswith("|"):
            flush()
            j = i
            while j < n and lines[j].startswith("|"):
                j += 1
            emit_table(out, lines[i:j])
            i = j
            continue
        if ln.startswith("    ") and not para and list_depth == 0:
            block, i = indented_block(lines, i, 4)
            emit_code(out, block)
            continue
        m = re.match(r"^(\s*)([-*]|\d+\.)\s+(.*)$", ln)
        if m:
            flush()
            indent = len(m.group(1))
            mark = "\\(bu" if m.group(2) in "-*" else m.group(2)
            depth = 1 + indent // 2
            while list_depth < depth:
                if list_depth >= 1:
                    out.append(".RS 2")
                list_depth += 1
            while list_depth > depth:
                out.append(".RE")
                list_depth -= 1
            out.append(".IP %s 2" % mark)
            para = [m.group(3)]
            i += 1
            # continuation lines: indented text that is not a new item or a code block
            while i < n and lines[i].strip() and lines[i].startswith(" ") and \
                    not re.match(r"^\s*([-*]|\d+\.)\s+", lines[i]) and not lines[i].startswith(" " * (indent + 6)):
                para.append(lines[i])
                i += 1
            flush()
            if i < n and lines[i].startswith(" " * (indent + 6)) and lines[i].strip():
                # a code block inside the item
                block, i = indented_block(lines, i, indent + 6)
                emit_code(out, block)
            continue
        if not ln.strip():
            flush()
            if list_depth and not (i + 1 < n and re.match(r"^\s+\S", lines[i + 1])):
                while list_depth > 1:
                    out.append(".RE")
                    list_depth -= 1
                list_depth = 0
                out.append(".PP")
            elif not list_depth:
                out.append(".PP")
            i += 1
            continue
        if list_depth and not ln.startswith(" "):
            while list_depth > 1:
                out.append(".RE")
                list_depth -= 1
            list_depth = 0
            out.append(".PP")
        para.append(ln)
        i += 1
    flush()
    while list_depth > 1:
        out.append(".RE")
        list_depth -= 1
    if see_also:
        out.append(".SH SEE ALSO")
        out.append(line_safe(esc(see_also).replace("-", "\\-")))
    # collapse repeated .PP
    final = []
    for ln in out:
        if ln == ".PP" and final and final[-1] in (".PP", ".SH DESCRIPTION") or (ln == ".PP" and final and final[-1].startswith((".SH", ".SS"))):
            continue
        final.append(ln)
    return "\n".join(final) + "\n"


def main():
    if len(sys.argv) not in (6, 7):
        sys.stderr.write(__doc__)
        return 2
    src, dst, name, section, desc = sys.argv[1:6]
    text = convert(src, name, section, desc, sys.argv[6] if len(sys.argv) == 7 else "")
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
