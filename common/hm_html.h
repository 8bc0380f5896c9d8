/* hm_html: text written into an HTML page (the plan's report.html, the run's
 * STATE.report.html). One escaper, so both pages treat hostile export data
 * alike. */
#ifndef HM_HTML_H
#define HM_HTML_H
#include <stdio.h>

/* s (NUL-terminated; NULL is empty) as element text or a quoted attribute
 * value: < > & " ' as entities, control characters as spaces. */
void hm_html_esc(FILE *f, const char *s);

#endif
