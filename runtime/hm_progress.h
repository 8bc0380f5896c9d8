/* hm_progress: what the user sees while a run goes — one progress line on
 * stderr, rewritten in place, only when stderr is a terminal; JSON event lines
 * with --log-json; silence otherwise (cron, CI and pipes get no noise). */
#ifndef HM_PROGRESS_H
#define HM_PROGRESS_H

#define HM_PROGRESS_OBJECTS 64
typedef struct hm_progress {
  int tty, json;
  double start, last_draw;
  long long done, total;     /* calls handled so far / planned (0 = unknown) */
  double max_rate;           /* calls per second the rate limit allows */
  int nobj;                  /* per source object: records handled / planned */
  char obj[HM_PROGRESS_OBJECTS][64];
  long long obj_done[HM_PROGRESS_OBJECTS], obj_total[HM_PROGRESS_OBJECTS];
} hm_progress;

void hm_progress_init(hm_progress *p, int log_json, long long total, double max_rate);
/* One call handled (object, what happened: created/updated/skipped/...). */
void hm_progress_step(hm_progress *p, const char *object, const char *outcome,
                      const char *ref, long status);
/* Records planned for one object (shown as done/total on the line). */
void hm_progress_expect(hm_progress *p, const char *object, long long total);
/* One record of object handled (creates and uploads; follow-ups are calls). */
void hm_progress_record(hm_progress *p, const char *object);
void hm_progress_note(hm_progress *p, const char *level, const char *text);
void hm_progress_end(hm_progress *p);

#endif
