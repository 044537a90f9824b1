#ifndef CPROCESS_H
#define CPROCESS_H

#include <sys/types.h>

// Starts `path` with `argv` (NULL-terminated) and this process's environment, every signal at
// its default action and none blocked: a supervisor's ignored or trapped signals must not leak
// into its workers. Returns the child's pid, or -1 with errno set.
pid_t cprocess_spawn(const char *path, char *const argv[]);

#endif
