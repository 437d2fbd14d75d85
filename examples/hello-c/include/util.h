#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>

/* Print LEN bytes of BITS as rows of WIDTH cells: '#' for set, '.' for zero. */
void draw(const unsigned char *bits, size_t len, size_t width);

/* FNV-1a hash of LEN bytes. */
unsigned long fnv1a(const unsigned char *bytes, size_t len);

#endif
