<?php
// tests/itop/csvdiff.php EXTRACTED.csv EXPORT_V2.csv: the cells where two CSV files differ once
// parsed (rows matched by id, columns by name), one line each; exit 1 if any.
// Quoting, row order and column order are the writers' business, not content.
function rows($path) {
  $f = fopen($path, 'r') or exit(2);
  $head = fgetcsv($f, 0, ',', '"', '');
  $out = [];
  while (($r = fgetcsv($f, 0, ',', '"', '')) !== false) {
    $row = array_combine($head, $r);
    $out[$row['id']] = $row;
  }
  return [$head, $out];
}
[$ha, $a] = rows($argv[1]);
[$hb, $b] = rows($argv[2]);
$n = 0;
foreach (array_unique(array_merge(array_keys($a), array_keys($b))) as $id) {
  if (!isset($b[$id])) { echo "row $id: only in the extraction\n"; $n++; continue; }
  if (!isset($a[$id])) { echo "row $id: only in export-v2\n"; $n++; continue; }
  foreach (array_intersect($ha, $hb) as $c)
    if ($a[$id][$c] !== $b[$id][$c]) {
      echo "row $id $c: ", json_encode($a[$id][$c], JSON_UNESCAPED_UNICODE), " vs ",
        json_encode($b[$id][$c], JSON_UNESCAPED_UNICODE), "\n";
      $n++;
    }
}
exit($n ? 1 : 0);
