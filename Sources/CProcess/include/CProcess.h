#ifndef CPROCESS_H
#define CPROCESS_H

#include <sys/types.h>

// Starts `path` with `argv` (NULL-terminated) and this process's environment, every signal at
// its default action and none blocked: a supervisor's ignored or trapped signals must not leak
// into its workers. Returns the child's pid, or -1 with errno set.
pid_t cprocess_spawn(const char *path, char *const argv[]);

// Asks the kernel to send `signal` to this process when its parent dies (Linux; elsewhere a
// no-op returning 0). prctl is variadic, which Swift cannot call.
int cprocess_die_with_parent(int signal);

#endif
