/* hm_utf8: the one UTF-8 module: the length of a valid sequence, the first
 * invalid byte, decode-one, encode-one and a character count. Strict as
 * RFC 3629: no overlongs, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no truncated sequence. */
#ifndef HM_UTF8_H
#define HM_UTF8_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at s (n >= 1 bytes available), 0 if invalid. */
int hm_utf8_seq(const unsigned char *s, size_t n);
/* Offset of the first invalid UTF-8 byte in s[0..n), or n if valid. */
size_t hm_utf8_check(const unsigned char *s, size_t n);
bool hm_utf8_valid(const char *s, size_t n);

/* Decodes the code point at s[*i] (*i < n) and advances *i. An invalid or
 * truncated sequence yields HM_BAD_BYTE | byte and advances one byte, so
 * callers can keep the byte as it was and never split or drop input. */
#define HM_BAD_BYTE 0x80000000u
uint32_t hm_utf8_next(const char *s, size_t n, size_t *i);
size_t hm_utf8_count(const char *s, size_t n);   /* characters; a bad byte counts as one */
/* Characters of s by its bytes that are not continuation bytes (10xxxxxx):
 * hm_utf8_count for valid text, without decoding; on invalid text a stray
 * continuation byte counts as nothing. Length limits use it. */
size_t hm_utf8_leads(const char *s, size_t n);

/* Encodes cp into out; a surrogate or a value above U+10FFFF becomes U+FFFD.
 * The number of bytes written (1..4). */
size_t hm_utf8_encode(uint32_t cp, char out[4]);

#endif
