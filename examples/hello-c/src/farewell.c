#include "greet.h"
#include "lang.h"

const char *farewell(void)
{
    return LANG_BYE " (in " LANG_NAME ").";
}
