#include <stdio.h>

#include "util.h"

void draw(const unsigned char *bits, size_t len, size_t width)
{
    for (size_t i = 0; i < len; i++) {
        putchar(bits[i] ? '#' : '.');
        if ((i + 1) % width == 0 || i + 1 == len)
            putchar('\n');
    }
}

unsigned long fnv1a(const unsigned char *bytes, size_t len)
{
    unsigned long h = 2166136261UL;
    for (size_t i = 0; i < len; i++) {
        h ^= bytes[i];
        h = (h * 16777619UL) & 0xffffffffUL;
    }
    return h;
}
