#define LANG_NAME "French"
#define LANG_HELLO "Bonjour"
#define LANG_BYE "Au revoir"
