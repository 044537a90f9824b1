#include "conn_pool.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { SLAB = 256 * 1024 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *free_blocks;          // a list threaded through the blocks themselves
static uint8_t *slab_next, *slab_end;
static size_t block_size;

void *conn_pool_get(size_t size) {
    void *block = NULL;
    pthread_mutex_lock(&lock);
    if (block_size == 0) block_size = (size + 15) & ~(size_t)15;
    if (size <= block_size) {
        if (free_blocks != NULL) {
            block = free_blocks;
            memcpy(&free_blocks, block, sizeof free_blocks);
        } else {
            if (slab_next == NULL || slab_next + block_size > slab_end) {
                void *slab = mmap(NULL, SLAB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (slab != MAP_FAILED) {
                    slab_next = slab;
                    slab_end = slab_next + SLAB;
                }
            }
            if (slab_next != NULL && slab_next + block_size <= slab_end) {
                block = slab_next;
                slab_next += block_size;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    if (block != NULL) memset(block, 0, size);
    return block;
}

void conn_pool_put(void *block) {
    if (block == NULL) return;
    pthread_mutex_lock(&lock);
    memcpy(block, &free_blocks, sizeof free_blocks);
    free_blocks = block;
    pthread_mutex_unlock(&lock);
}
