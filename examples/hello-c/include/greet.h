#ifndef GREET_H
#define GREET_H

/* How the greeting ends. */
#define GREET_PUNCT "!"

/* The greeting line, without a newline. */
const char *greeting(void);

/* The closing line, without a newline. */
const char *farewell(void);

#endif
