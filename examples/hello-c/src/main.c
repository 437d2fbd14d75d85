#include <stdio.h>

#include "greet.h"
#include "util.h"
#include "version.h"

extern const unsigned char logo[];
extern const unsigned long logo_len;

int main(void)
{
    printf("hello-c %s\n", HELLO_VERSION);
    printf("%s\n", greeting());
    draw(logo, logo_len, 8);
    printf("logo: %lu bytes, fnv1a %08lx\n", logo_len, fnv1a(logo, logo_len));
    printf("%s\n", farewell());
    return 0;
}
