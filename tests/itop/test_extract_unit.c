/* test_extract_unit: the shapes runtime/extract writes, without an iTop —
 * export-v2's CSV cells from REST values (ids bare, strings quoted with
 * doubled quotes, empty cells, link sets without the key back to the host,
 * case logs as the raw blob newest first), base64 decoding, safe file names,
 * and the jobs asked of a compiled map (the reference map's .hbc, argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ex.h"

static int failures;
#define EXPECT_STR(want, got)                                                        \
  do {                                                                               \
    if (strcmp((want), (got))) {                                                     \
      fprintf(stderr, "%s:%d: got [%s], wanted [%s]\n", __FILE__, __LINE__, (got), (want)); \
      failures++;                                                                    \
    }                                                                                \
  } while (0)

static void csv_rows(void) {
  static const char *fields[] = { "id", "title", "org_id", "close_date", "functionalcis_list",
                                  "private_log" };
  ex_job j = { .kind = EX_CSV, .cls = "UserRequest", .path = "UserRequest.csv",
               .fields = fields, .nfields = 6 };
  cJSON *obj = cJSON_Parse(
      "{\"id\":\"7\",\"title\":\"Say \\\"hi\\\"\\nnow\",\"org_id\":\"0\",\"close_date\":\"\","
      "\"functionalcis_list\":[{\"ticket_id\":\"7\",\"ticket_ref\":\"R-7\","
      "\"functionalci_id\":\"7\","
      "\"functionalci_name\":\"PC\",\"impact_code\":\"manual\"},{\"ticket_id\":\"7\","
      "\"functionalci_id\":\"9\",\"impact_code\":\"computed\"}],"
      "\"private_log\":{\"entries\":[{\"date\":\"2024-05-02 09:00:00\",\"user_login\":\"Ann\","
      "\"user_id\":\"3\",\"message\":\"one\",\"message_html\":\"<p>one</p>\"},"
      "{\"date\":\"2024-05-02 10:00:00\",\"user_login\":\"Bo\",\"user_id\":0,"
      "\"message\":\"two\"}]}}");
  hm_buf b; hm_buf_init(&b);
  ex_csv_header(&b, &j);
  ex_csv_row(&b, &j, obj);
  EXPECT_STR("\"id\",\"title\",\"org_id\",\"close_date\",\"functionalcis_list\",\"private_log\"\n"
             "7,\"Say \"\"hi\"\"\nnow\",0,,"
             "\"'functionalci_id:7';'impact_code:manual'|"
             "'functionalci_id:9';'impact_code:computed'\","
             "\"\n========== 2024-05-02 10:00:00 : Bo (0) ============\n\ntwo"
             "\n========== 2024-05-02 09:00:00 : Ann (3) ============\n\n<p>one</p>\"\n",
             hm_buf_cstr(&b));
  hm_buf_free(&b);
  cJSON_Delete(obj);
}

static void profiles(void) {
  static const char *fields[] = { "id", "profile_list" };
  ex_job j = { .kind = EX_CSV, .cls = "User", .path = "User.csv", .fields = fields, .nfields = 2 };
  cJSON *obj = cJSON_Parse("{\"id\":\"1\",\"profile_list\":[{\"userid\":\"1\","
                           "\"userlogin\":\"admin\",\"profileid\":\"1\","
                           "\"profile\":\"Administrator\",\"reason\":\"x\"},"
                           "{\"userid\":\"1\",\"profileid\":\"4\",\"reason\":\"\"}]}");
  hm_buf b; hm_buf_init(&b);
  ex_csv_row(&b, &j, obj);
  EXPECT_STR("1,\"'profileid:1';'reason:x'|'profileid:4'\"\n", hm_buf_cstr(&b));
  hm_buf_free(&b);
  cJSON_Delete(obj);
}

static void base64_and_names(void) {
  hm_buf b; hm_buf_init(&b);
  EXPECT_STR("0", ex_b64_decode(&b, "w4l0YXBl\ncw==") ? "-1" : "0");
  EXPECT_STR("\xc3\x89tapes", hm_buf_cstr(&b));
  hm_buf_free(&b);
  hm_buf_init(&b);
  EXPECT_STR("-1", ex_b64_decode(&b, "ab$c") ? "-1" : "0");
  hm_buf_free(&b);
  char n[64];
  ex_safe_name(n, sizeof n, "../../etc/passwd");
  EXPECT_STR(".._.._etc_passwd", n);
  ex_safe_name(n, sizeof n, "..");
  EXPECT_STR("unnamed", n);
  ex_safe_name(n, sizeof n, "\xc3\xa9" "cran 1.png");
  EXPECT_STR("\xc3\xa9" "cran 1.png", n);
}

/* The reference map asks for its CSV classes, the per-ticket case logs and the
   two JSON replies with their files. */
static void jobs_of_map(const char *hbc) {
  char err[512] = "";
  hm_program *p = hm_bc_load_file(hbc, err, sizeof err);
  if (!p) { fprintf(stderr, "%s: %s\n", hbc, err); failures++; return; }
  hm_arena a; hm_arena_init(&a, 4096);
  ex_job *jobs; size_t n;
  if (ex_jobs_from_program(p, &a, &jobs, &n, err, sizeof err)) {
    fprintf(stderr, "jobs: %s\n", err);
    failures++;
  } else {
    hm_buf b; hm_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
      hm_buf_printf(&b, "%d %s %s", (int)jobs[i].kind, jobs[i].cls, jobs[i].path);
      if (jobs[i].kind == EX_OBJFILES)
        for (size_t f = 0; f < jobs[i].nfields; f++) hm_buf_printf(&b, " %s", jobs[i].fields[f]);
      if (jobs[i].kind == EX_JSON) hm_buf_printf(&b, " -> %s", jobs[i].files_dir);
      hm_buf_putc(&b, '\n');
    }
    EXPECT_STR("0 Organization Organization.csv\n0 Person Person.csv\n0 Team Team.csv\n"
               "0 User User.csv\n0 URP_UserProfile URP_UserProfile.csv\n"
               "0 UserRequest UserRequest.csv\n0 Incident Incident.csv\n0 Change Change.csv\n"
               "0 ApprovedChange ApprovedChange.csv\n"
               "0 Service Service.csv\n0 ServiceSubcategory ServiceSubcategory.csv\n"
               "0 FunctionalCI FunctionalCI.csv\n0 FAQ FAQ.csv\n0 FAQCategory FAQCategory.csv\n"
               "0 SLA SLA.csv\n0 SLT SLT.csv\n"
               "1 UserRequest rest/UserRequest/*.json id public_log private_log\n"
               "1 Incident rest/Incident/*.json id public_log private_log\n"
               "2 Attachment Attachment.json -> attachments\n"
               "2 InlineImage InlineImage.json -> inline_images\n0 Site Site.csv\n",
               hm_buf_cstr(&b));
    hm_buf_free(&b);
  }
  hm_arena_free(&a);
  hm_bc_free(p);
}

int main(int argc, char **argv) {
  csv_rows();
  profiles();
  base64_and_names();
  if (argc > 1) jobs_of_map(argv[1]);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else puts("ok");
  return failures ? 1 : 0;
}
