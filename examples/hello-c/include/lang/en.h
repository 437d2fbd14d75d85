#define LANG_NAME "English"
#define LANG_HELLO "Hello"
#define LANG_BYE "Goodbye"
