/* hm_html: the HTML escaper of the report pages (see hm_html.h). */
#include "hm_html.h"

void hm_html_esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
  }
}
