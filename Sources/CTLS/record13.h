#ifndef CTLS_RECORD13_H
#define CTLS_RECORD13_H
// The TLS 1.3 record layer of an established server connection, once OpenSSL has done the
// handshake and been freed: an idle connection then holds its traffic secrets, keys and
// sequence numbers (about 200 bytes) instead of OpenSSL's ~14 KB of per-connection state.
// Application data, close_notify and KeyUpdate; anything else ends the connection.
#include <stddef.h>
#include <stdint.h>

enum record13_suite {
    RECORD13_AES_128_GCM = 1,
    RECORD13_AES_256_GCM = 2,
    RECORD13_CHACHA20_POLY1305 = 3,
};

#include "CTLS.h"

struct record13 {
    uint64_t read_seq, write_seq;
    // Ciphertext the socket did not take yet (allocated only then), and how much plaintext of the
    // caller's next write it stands for.
    uint8_t *pending;
    uint32_t pending_length, pending_sent, pending_plain;
    uint8_t suite;
    // The peer asked for a KeyUpdate in return; sent with the next write (or read).
    uint8_t key_update_due;
    uint8_t low_water_raised;
    uint8_t peer_closed;
    // A record the socket kept reporting before it was whole (the kernel may wake a reader below
    // its low-water mark, under memory pressure): taken in here, so a wake-up means new bytes.
    uint8_t *partial;
    uint32_t partial_length;
    // Bytes of an incomplete record seen in the socket at the last wake-up, 0 for none.
    uint32_t partial_seen;
    uint8_t read_secret[48], write_secret[48];
    uint8_t read_key[32], write_key[32];
    uint8_t read_iv[12], write_iv[12];
};

// The suite for an OpenSSL TLS 1.3 cipher id, or 0 when this layer does not implement it.
int record13_suite_for(unsigned long cipher_id);
size_t record13_secret_length(int suite);
// Takes over from a finished handshake: the secrets are the application traffic secrets
// (the peer's for reading, ours for writing) and write_seq counts the records OpenSSL already
// sent under ours (the session tickets). 1 on success.
int record13_start(struct record13 *record, int suite, const uint8_t *read_secret,
                   const uint8_t *write_secret, uint64_t write_seq);
// As ctls_read / ctls_write; `capacity` must be at least CTLS_MIN_READ.
long record13_read(struct record13 *record, int fd, uint8_t *buffer, size_t capacity);
long record13_write(struct record13 *record, int fd, const uint8_t *bytes, size_t count);
void record13_close_notify(struct record13 *record, int fd);
// Frees what it holds and wipes the keys.
void record13_clear(struct record13 *record);
#endif
