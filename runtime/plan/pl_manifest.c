/* pl_manifest: export completeness. When the export folder holds a
 * manifest.json (written by `hmaprun extract itop`, docs/extract.md), each
 * file's object count there is compared with the records the plan read from
 * it: a difference is a review flag in the report and a warning on stderr
 * (an export cut short, a file edited by hand), never silent. Checked: files
 * read by a source with rules and without a parent (what a child source reads
 * is joined, not counted), not in a sample plan. */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "pl.h"

static cJSON *manifest_files(const char *data_dir, cJSON **root) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", data_dir);
  hm_buf b; hm_buf_init(&b);
  *root = hm_buf_read_path(&b, path) ? NULL : cJSON_ParseWithLength(b.data, b.len);
  hm_buf_free(&b);
  return cJSON_GetObjectItemCaseSensitive(*root, "files");
}

void pl_check_manifest(plan *pl) {
  if (pl->o->sample > 0 || !pl->o->data_dir) return;
  cJSON *root;
  const cJSON *files = manifest_files(pl->o->data_dir, &root);
  for (uint32_t s = 0; files && s < pl->p->nsources; s++) {
    const hm_source *src = &pl->p->sources[s];
    const char *path = K(pl->p, src->path);
    if (!pl->ss[s].has_rules || src->parent != HM_BC_NONE || strchr(path, '*')) continue;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(files, path);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "count");
    if (!cJSON_IsNumber(n)) continue;
    uint64_t read = hm_rpt_get(pl->rpt, s, HM_RPT_READ);
    if (read == (uint64_t)n->valuedouble) continue;
    const char *msg = hm_arena_printf(&pl->arena,
        "export incomplete: %s has %llu records, its manifest.json counted %.0f at the source",
        path, (unsigned long long)read, n->valuedouble);
    fprintf(stderr, "hmaprun: warning: %s\n", msg);
    pl->src = s;
    pl->key = NULL;
    pl_report_row(pl, HM_ROW_FLAG, "review", msg, NULL, pl->p->nrules, NULL);
  }
  cJSON_Delete(root);
}
