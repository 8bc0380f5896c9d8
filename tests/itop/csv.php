<?php
// tests/itop/csv.php: reads a CSV the way a spreadsheet would (PHP's fgetcsv),
// independently of hmap's reader. `csv.php FILE` prints the number of data rows;
// `csv.php FILE COLUMN` prints COLUMN of every row, one JSON string a line;
// `csv.php FILE COLUMN KEY` prints COLUMN of the row whose id is KEY (JSON).
$f = fopen($argv[1], 'r') or exit(2);
$head = fgetcsv($f, 0, ',', '"', '');
$rows = [];
while (($r = fgetcsv($f, 0, ',', '"', '')) !== false) {
  if (count($r) != count($head)) { fwrite(STDERR, "row with ".count($r)." cells\n"); exit(1); }
  $rows[] = array_combine($head, $r);
}
if ($argc == 2) { echo count($rows), "\n"; exit(0); }
$col = $argv[2];
if (!in_array($col, $head)) { fwrite(STDERR, "no column $col\n"); exit(1); }
foreach ($rows as $r)
  if ($argc == 3 || $r['id'] === $argv[3])
    echo json_encode($r[$col], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
