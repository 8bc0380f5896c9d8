# propose_pairs.awk MAP.hmap: the field pairs of a map, one a line,
#   TARGET.FIELD[.SUBFIELD] <- FILE[#RECORDS]:COLUMN
# for every source column a rule's statement reads (src.COL, and VAR.COL of
# `each SOURCE as VAR`, through `let` names too). Sources are named by their
# file, not by the map's names, so two maps of one export compare. Used by
# bench/propose.sh; a textual reading, enough for maps written one statement
# a line as the reference maps and hmapc propose write them.
function cols(line, pre,    out, s, m) {
  out = ""; s = line
  while (match(s, "(^|[^A-Za-z0-9_.])" pre "\\.[A-Za-z_][A-Za-z0-9_]*")) {
    m = substr(s, RSTART, RLENGTH); sub(/^[^A-Za-z_]/, "", m); sub(/^[A-Za-z_]+\./, "", m)
    out = out " " m; s = substr(s, RSTART + RLENGTH)
  }
  return out
}
function emit(field, srcname, list,    n, a, i) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) if (a[i] != "" && srcname in path) print target "." field " <- " path[srcname] ":" a[i]
}
function depth_of(line,    t) { t = line; gsub(/"([^"\\]|\\.)*"/, "", t); sub(/#.*/, "", t)
  return gsub(/\{/, "{", t) - gsub(/\}/, "}", t) }
/^source / {
  name = $2; p = $0; sub(/^[^"]*"/, "", p); f = p; sub(/".*/, "", f)
  r = ""; if (match(p, /records "[^"]*"/)) { r = substr(p, RSTART + 9, RLENGTH - 10); f = f "#" r }
  path[name] = f
}
/^rule / { inrule = 1; src = $2; target = $4; depth = 0; eachfield = ""; delete letc; delete eachvar }
inrule {
  line = $0; code = line; sub(/#.*/, "", code)
  if (match(code, /^[ \t]*let [A-Za-z_]+ =/)) {
    v = code; sub(/^[ \t]*let /, "", v); sub(/ .*/, "", v); letc[v] = cols(code, "src")
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
  cond = code ~ /^[ \t]*(\} *)?(if|else|flag|reject|lossy|ignore)[ \t({]/
  if (code !~ /^[ \t]*let / && !cond) emit(full, src, l)
  if (!cond) for (v in eachvar) emit(full, eachvar[v], cols(code, v))
  depth += depth_of(line)
  if (eachfield != "" && depth <= eachdepth) { eachfield = ""; field = "" }
  if (depth <= 0 && line ~ /\}/) inrule = 0
}
