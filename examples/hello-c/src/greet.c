#include "greet.h"
#include "lang.h"

const char *greeting(void)
{
    return LANG_HELLO ", world" GREET_PUNCT;
}
