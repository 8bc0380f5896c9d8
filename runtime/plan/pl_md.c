/* hm_md: the one way a value gets into a Markdown file the plan writes
 * (report.md, inventory.md). Whatever the export holds, it stays text inside
 * its table cell or line: it cannot end the line or the cell, cannot open a
 * link, an image, an autolink, raw HTML or an entity, and cannot close the
 * code span it sits in. */
#include "pl.h"
#include <stdbool.h>

/* Text: line breaks and other control bytes become a space; `|` and the
   Markdown punctuation that makes links, code or escapes are backslash-escaped;
   `<` and `&` become entities: they are what opens raw HTML, an autolink or an
   entity. `>` is left as it is ("Ticket -> Ticket" stays readable): it opens
   nothing in the middle of a line, and a value never starts one. In a code
   span nothing is interpreted but a backtick (which would close it) and a
   line break. */
static void md_escape(FILE *f, const char *s, bool code) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\r' && s[1] == '\n') continue;      /* CRLF: one space, from the LF */
    if (c < 0x20 || c == 0x7F) { fputc(' ', f); continue; }
    if (code) { fputc(c == '`' ? '\'' : c, f); continue; }
    switch (c) {
    case '<': fputs("&lt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '|': case '\\': case '`': case '[': case ']': fputc('\\', f); fputc(c, f); break;
    default: fputc(c, f);
    }
  }
}

void hm_md_text(FILE *f, const char *s) { md_escape(f, s, false); }

void hm_md_code(FILE *f, const char *s) {
  fputc('`', f);
  md_escape(f, s, true);
  fputc('`', f);
}
