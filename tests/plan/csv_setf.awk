# csv_setf.awk -v key=K -v col=N -v val=V: field N of the record whose field 1 is K
# becomes V (quoted); one record per line, quotes respected.
function split_csv(s, out,    n, i, c, q, cur) {
  n = 0; q = 0; cur = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\"") q = !q
    if (c == "," && !q) { out[++n] = cur; cur = "" } else cur = cur c
  }
  out[++n] = cur
  return n
}
{
  n = split_csv($0, f)
  k = f[1]; gsub(/"/, "", k)
  if (NR > 1 && k == key) {
    f[col] = "\"" val "\""
    line = f[1]
    for (i = 2; i <= n; i++) line = line "," f[i]
    print line
  } else print
}
