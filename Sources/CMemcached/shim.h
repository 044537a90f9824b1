#include <libmemcached/memcached.h>
#include <libmemcachedutil-1.0/util.h>
