# propose_pairs.awk MAP.hmap: the field pairs of a map, one a line,
#   TARGET.FIELD[.SUBFIELD] <- FILE[#RECORDS]:COLUMN
# for every source column a rule's statement reads (src.COL or .COL, and VAR.COL of
# `each SOURCE as VAR`, through `let` names too). Sources are named by their
# file, not by the map's names, so two maps of one export compare (a source declared
# in a rule's or gap's head, or implied by it, is named by its file too). Used by
# bench/propose.sh; a textual reading, enough for maps written one statement
# a line as the reference maps and hmapc propose write them. A `use NAME` in a
# rule reads fragment NAME's lines there (the map is read twice: fragments first).
# usage: awk -f propose_pairs.awk MAP.hmap MAP.hmap
# `.COL` is short for `src.COL`: a '.' that follows no name, `)` or `]` is written out.
function srcdots(line,    out, c, prev, i) {
  out = ""; prev = " "
  for (i = 1; i <= length(line); i++) {
    c = substr(line, i, 1)
    if (c == "." && prev !~ /[A-Za-z0-9_)\]]/ && substr(line, i + 1, 1) ~ /[A-Za-z_]/) out = out "src"
    out = out c; prev = c
  }
  return out
}
function cols(line, pre,    out, s, m) {
  out = ""; s = pre == "src" ? srcdots(line) : line
  while (match(s, "(^|[^A-Za-z0-9_.])" pre "\\.[A-Za-z_][A-Za-z0-9_]*")) {
    m = substr(s, RSTART, RLENGTH); sub(/^[^A-Za-z_]/, "", m); sub(/^[A-Za-z_]+\./, "", m)
    out = out " " m; s = substr(s, RSTART + RLENGTH)
  }
  return out
}
function emit(field, srcname, list,    n, a, i) {
  if (field == "" || field ~ /\.$/) return      # a rule's head (`when`) sets no field
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) if (a[i] != "" && srcname in path) print target "." field " <- " path[srcname] ":" a[i]
}
function depth_of(line,    t) { t = line; gsub(/"([^"\\]|\\.)*"/, "", t); sub(/#.*/, "", t)
  return gsub(/\{/, "{", t) - gsub(/\}/, "}", t) }
NR == FNR && /^fragment [A-Za-z_]+ *\{/ {
  frag = $2; sub(/\{.*/, "", frag); fdepth = depth_of($0); body = $0
  sub(/^[^{]*\{/, "", body)
  if (fdepth <= 0) { sub(/\}[^}]*$/, "", body); flines[frag] = body; frag = ""; next }
  flines[frag] = body; next
}
NR == FNR && frag != "" {
  fdepth += depth_of($0)
  if (fdepth <= 0) { frag = ""; next }
  flines[frag] = flines[frag] "\n" $0; next
}
# The first reading also learns every source's file, so a rule may read a source declared
# below it (the reference maps declare child sources after the rule of their parent).
NR == FNR && /^use / { mods[$2] = 1; next }
NR == FNR && /^source / { source_line($0); next }
NR == FNR && /^(rule|gap) [A-Za-z_]+ : / { head_source($0); next }
NR == FNR { next }
function source_line(line,    w, p, f, r) {
  split(line, w, " "); p = line; sub(/^[^"]*"/, "", p); f = p; sub(/".*/, "", f)
  r = ""; if (match(p, /records "[^"]*"/)) { r = substr(p, RSTART + 9, RLENGTH - 10); f = f "#" r }
  if (line !~ / from /) f = module_path(w[3] == ":" ? w[4] : w[2])
  path[w[2]] = f
}
# A source without `from` reads the file its object states in a module the map uses
# (`object st_Brands key BrandId from csv "st_Brands.csv"`, stdlib/*.hmap).
function module_path(type,    m, line, p) {
  for (m in mods) {
    while ((getline line < (stdlib "/" m ".hmap")) > 0)
      if (line ~ ("^object " type "( key [A-Za-z_]+)? from ")) {
        p = line; sub(/^[^"]*"/, "", p); sub(/".*/, "", p)
      }
    close(stdlib "/" m ".hmap")
    if (p != "") return p
  }
  return type
}
/^rule / { inrule = 1; src = $2; target = $4; depth = 0; eachfield = ""; recfield = ""; field = ""
  delete letc; delete eachvar
  if ($3 == ":") {
    head_source($0); target = $0; sub(/^[^>]*-> */, "", target); sub(/ .*/, "", target)
  }
  else if (!(src in path)) path[src] = module_path(src) }
# `gap S : T ...`: the source its head declares (a `gap T` with no source names no file)
/^gap [A-Za-z_]+ : / { head_source($0) }
# `rule S : T [from F "P" [records "R"]] ... ->`: the head declares S as `source S : T ...`
function head_source(line,    p, f, w) {
  p = line; sub(/ ->.*/, "", p)
  split(p, w, " ")
  if (p !~ / from /) { path[w[2]] = module_path(w[4]); return }
  f = p; sub(/^[^"]*"/, "", f); sub(/".*/, "", f)
  if (match(p, /records "[^"]*"/)) f = f "#" substr(p, RSTART + 9, RLENGTH - 10)
  path[w[2]] = f
}
inrule { statement($0); if (depth <= 0 && $0 ~ /\}/) inrule = 0 }

# statement LINE: the pairs of one line of a rule (or of a fragment it uses)
function statement(line,    code, v, l, cond, full, e, w, n, fl, i, name, lead, rest) {
  code = line; sub(/#.*/, "", code)
  # statements side by side (`a = x  b = y`, a one-line record or fragment): one at a time
  lead = code; sub(/[^ \t].*/, "", lead); rest = substr(code, length(lead) + 1)
  if (match(rest, /[^ \t][ \t][ \t]+[A-Za-z_]+ \+?= /) && depth_of(substr(rest, 1, RSTART)) == 0) {
    n = RSTART
    statement(lead substr(rest, 1, n))
    statement(lead substr(rest, n + 1))
    return
  }
  # `F = e when c`: c is a condition, not a value of F
  if (code ~ /^[ \t]*[A-Za-z_]+[ \t]*\+?=/) sub(/ when .*$/, "", code)
  if (match(code, /^[ \t]*use [A-Za-z_]+[ \t]*$/)) {
    name = code; sub(/^[ \t]*use /, "", name); sub(/[ \t]*$/, "", name)
    n = split(flines[name], fl, "\n")
    for (i = 1; i <= n; i++) statement(fl[i])
    return
  }
  if (match(code, /^[ \t]*let [A-Za-z_]+ =/)) {
    v = code; sub(/^[ \t]*let /, "", v); sub(/ .*/, "", v); letc[v] = cols(code, "src")
  } else if (recfield != "" && depth > recdepth) {
    field = recfield                     # a field of a record block: the record's field's
  } else if (match(code, /^[ \t]*[A-Za-z_]+[ \t]*\+?=/)) {
    field = code; sub(/^[ \t]*/, "", field); sub(/[ \t]*\+?=.*/, "", field)
    if (match(code, /each [A-Za-z_]+ as [A-Za-z_]+/)) {
      e = substr(code, RSTART, RLENGTH); split(e, w, " "); eachvar[w[4]] = w[2]
      eachfield = field; eachdepth = depth; eachv = w[4]
    }
  }
  full = (eachfield != "" && field != eachfield) ? eachfield "." field : field
  l = cols(code, "src")
  for (v in letc) if (code ~ ("(^|[^A-Za-z0-9_.])" v "([^A-Za-z0-9_]|$)") && code !~ /^[ \t]*let /) l = l letc[v]
  cond = code ~ /^[ \t]*(\} *)?(if|else|flag|reject|lossy|ignore|when)[ \t({]/
  if (code !~ /^[ \t]*let / && !cond) emit(full, src, l)
  if (!cond) for (v in eachvar) emit(full, eachvar[v], cols(code, v))
  # `F = G = e`: G takes the same value
  if (!cond && !(recfield != "" && depth > recdepth) && match(code, /^[ \t]*[A-Za-z_]+ = [A-Za-z_]+ = /)) {
    e = substr(code, RSTART, RLENGTH); split(e, w, " ")
    full = (eachfield != "" && w[3] != eachfield) ? eachfield "." w[3] : w[3]
    emit(full, src, l)
    for (v in eachvar) emit(full, eachvar[v], cols(code, v))
  }
  if (recfield == "" && code ~ /^[ \t]*[A-Za-z_]+[ \t]*\+?=/ && code !~ /each [A-Za-z_]+ as/ \
      && depth_of(code) > 0) {
    recfield = field; recdepth = depth
  }
  depth += depth_of(line)
  if (recfield != "" && depth <= recdepth) recfield = ""
  if (eachfield != "" && depth <= eachdepth) { eachfield = ""; field = "" }
}
