"""kbfile.py - what every knowledge-base generator under data/ shares.

A data file starts with a "#" header comment naming its sources, then holds
one fact a line: tab-separated fields, no empty field, no stray blanks, "#"
lines and blank lines ignored.  Problems are collected with their
file:line, so one build reports all of them at once.
"""

errors = []


def fail(where, msg):
    errors.append("%s: %s" % (where, msg))


def rows(path, ncols_min, ncols_max, lead_space=()):
    """(file:line, fields) for each fact line of path; checks the header.

    A field whose index is in lead_space may start with one space (a word
    boundary in a phrase); every other blank at a field's ends is an error.
    """
    with open(path, encoding="utf-8") as f:
        head = f.read(8192)
    if not head.startswith("#") or "Source" not in head:
        fail(path, "must start with a header comment naming its sources")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            where = "%s:%d" % (path, n)
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            bare = [c[1:] if i in lead_space and c[:1] == " " else c
                    for i, c in enumerate(cols)]
            if line.rstrip() != line or any(c != c.strip() for c in bare) \
                    or (line[:1].isspace() and 0 not in lead_space):
                fail(where, "leading or trailing blanks")
            if not ncols_min <= len(cols) <= ncols_max:
                fail(where, "want %d..%d tab-separated fields, got %d"
                     % (ncols_min, ncols_max, len(cols)))
                continue
            if any(c == "" for c in cols):
                fail(where, "empty field")
                continue
            yield where, cols


def cstr(s):
    """s as a C string literal; non-ASCII as UTF-8 octal escapes."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    # Octal escapes are always three digits, so a digit after one is safe.
    return '"' + "".join(out) + '"'


def report(tool, stream):
    """Writes the collected problems; True when there were any."""
    for e in errors:
        stream.write("%s: %s\n" % (tool, e))
    return bool(errors)
