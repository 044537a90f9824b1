#define _GNU_SOURCE  // POLLRDHUP
#include "record13.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void ctls_note_error(const char *message);

enum {
    HEADER = 5,
    TAG = 16,
    MAX_PLAIN = 16384,
    MAX_CIPHER = MAX_PLAIN + 256,
    APPLICATION_DATA = 23,
    ALERT = 21,
    HANDSHAKE = 22,
    KEY_UPDATE = 24,
    // Records sealed per write call: up to 64 KiB of plaintext in one send.
    RECORDS_PER_WRITE = 4,
};

// MARK: Suites and keys

int record13_suite_for(unsigned long cipher_id) {
    switch (cipher_id & 0xFFFF) {
    case 0x1301: return RECORD13_AES_128_GCM;
    case 0x1302: return RECORD13_AES_256_GCM;
    case 0x1303: return RECORD13_CHACHA20_POLY1305;
    default: return 0;
    }
}

size_t record13_secret_length(int suite) { return suite == RECORD13_AES_256_GCM ? 48 : 32; }

static size_t key_length(int suite) { return suite == RECORD13_AES_128_GCM ? 16 : 32; }

static const EVP_MD *hash_of(int suite) { return suite == RECORD13_AES_256_GCM ? EVP_sha384() : EVP_sha256(); }

static const EVP_CIPHER *ciphers[4];
static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;

static void fetch_ciphers(void) {
    // Fetched once: a fetch per record would search the provider tables every time.
    ciphers[RECORD13_AES_128_GCM] = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    ciphers[RECORD13_AES_256_GCM] = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    ciphers[RECORD13_CHACHA20_POLY1305] = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

// HKDF-Expand-Label(secret, label, "", length) (RFC 8446 §7.1). Every length used here is at
// most the hash length, so the expansion is a single HMAC block.
static int expand_label(int suite, const uint8_t *secret, const char *label, uint8_t *out, size_t length) {
    uint8_t info[2 + 1 + 6 + 16 + 1 + 1];
    size_t label_length = strlen(label), n = 0;
    info[n++] = (uint8_t)(length >> 8);
    info[n++] = (uint8_t)length;
    info[n++] = (uint8_t)(6 + label_length);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_length);
    n += label_length;
    info[n++] = 0;  // empty context
    info[n++] = 1;  // the block counter of T(1)
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned int block_length = 0;
    size_t secret_length = record13_secret_length(suite);
    int done = HMAC(hash_of(suite), secret, (int)secret_length, info, n, block, &block_length) != NULL &&
               block_length >= length;
    if (done) memcpy(out, block, length);
    OPENSSL_cleanse(block, sizeof block);
    return done;
}

static int derive(int suite, const uint8_t *secret, uint8_t *key, uint8_t *iv) {
    return expand_label(suite, secret, "key", key, key_length(suite)) && expand_label(suite, secret, "iv", iv, 12);
}

// The next generation of a traffic secret, its key and IV (a KeyUpdate).
static int update_secret(int suite, uint8_t *secret, uint8_t *key, uint8_t *iv) {
    uint8_t next[48];
    size_t length = record13_secret_length(suite);
    if (!expand_label(suite, secret, "traffic upd", next, length)) return 0;
    memcpy(secret, next, length);
    OPENSSL_cleanse(next, sizeof next);
    return derive(suite, secret, key, iv);
}

int record13_start(struct record13 *record, int suite, const uint8_t *read_secret,
                   const uint8_t *write_secret, uint64_t write_seq) {
    pthread_once(&ciphers_once, fetch_ciphers);
    if (suite < 1 || suite > 3 || ciphers[suite] == NULL) return 0;
    memset(record, 0, sizeof *record);
    record->suite = (uint8_t)suite;
    record->write_seq = write_seq;
    size_t length = record13_secret_length(suite);
    memcpy(record->read_secret, read_secret, length);
    memcpy(record->write_secret, write_secret, length);
    return derive(suite, record->read_secret, record->read_key, record->read_iv) &&
           derive(suite, record->write_secret, record->write_key, record->write_iv);
}

void record13_clear(struct record13 *record) {
    free(record->pending);
    free(record->partial);
    OPENSSL_cleanse(record, sizeof *record);
}

// MARK: Sealing and opening

// One context per direction and thread, re-keyed per record: reactors are long-lived threads,
// and a context per connection would cost what this layer exists to save.
static _Thread_local EVP_CIPHER_CTX *sealing, *opening;

static void nonce_for(const uint8_t *iv, uint64_t seq, uint8_t *nonce) {
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++) nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
}

static void header_for(uint8_t *header, size_t cipher_length) {
    header[0] = APPLICATION_DATA;
    header[1] = 3;
    header[2] = 3;
    header[3] = (uint8_t)(cipher_length >> 8);
    header[4] = (uint8_t)cipher_length;
}

// Seals `length` bytes of content plus its inner type into `out` (header, ciphertext, tag);
// returns the record's size, or 0.
static size_t seal(struct record13 *record, uint8_t type, const uint8_t *content, size_t length, uint8_t *out) {
    if (sealing == NULL && (sealing = EVP_CIPHER_CTX_new()) == NULL) return 0;
    uint8_t nonce[12];
    nonce_for(record->write_iv, record->write_seq, nonce);
    size_t cipher_length = length + 1 + TAG;
    header_for(out, cipher_length);
    int n = 0, ok = EVP_EncryptInit_ex(sealing, ciphers[record->suite], NULL, record->write_key, nonce) == 1 &&
                    EVP_EncryptUpdate(sealing, NULL, &n, out, HEADER) == 1 &&
                    EVP_EncryptUpdate(sealing, out + HEADER, &n, content, (int)length) == 1 &&
                    EVP_EncryptUpdate(sealing, out + HEADER + length, &n, &type, 1) == 1 &&
                    EVP_EncryptFinal_ex(sealing, out + HEADER + length + 1, &n) == 1 &&
                    EVP_CIPHER_CTX_ctrl(sealing, EVP_CTRL_AEAD_GET_TAG, TAG, out + HEADER + length + 1) == 1;
    if (!ok) return 0;
    record->write_seq++;
    return HEADER + cipher_length;
}

// Opens the record at `at` in place; returns the inner plaintext's length (content and type),
// or -1 when it does not authenticate.
static long open_record(struct record13 *record, uint8_t *at, size_t cipher_length) {
    if (opening == NULL && (opening = EVP_CIPHER_CTX_new()) == NULL) return -1;
    uint8_t nonce[12];
    nonce_for(record->read_iv, record->read_seq, nonce);
    size_t length = cipher_length - TAG;
    int n = 0, ok = EVP_DecryptInit_ex(opening, ciphers[record->suite], NULL, record->read_key, nonce) == 1 &&
                    EVP_DecryptUpdate(opening, NULL, &n, at, HEADER) == 1 &&
                    EVP_DecryptUpdate(opening, at + HEADER, &n, at + HEADER, (int)length) == 1 &&
                    EVP_CIPHER_CTX_ctrl(opening, EVP_CTRL_AEAD_SET_TAG, TAG, at + HEADER + length) == 1 &&
                    EVP_DecryptFinal_ex(opening, at + HEADER + length, &n) == 1;
    if (!ok) return -1;
    record->read_seq++;
    return (long)length;
}

// MARK: Writing

// Sends what is pending; 1 once nothing is, 0 while the socket is full, -1 when it failed.
static int flush_pending(struct record13 *record, int fd) {
    while (record->pending_sent < record->pending_length) {
        ssize_t sent = send(fd, record->pending + record->pending_sent, record->pending_length - record->pending_sent,
                            MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        record->pending_sent += (uint32_t)sent;
    }
    free(record->pending);
    record->pending = NULL;
    record->pending_length = record->pending_sent = 0;
    return 1;
}

// Keeps the unsent tail of `bytes` for later; nothing else is pending (writes and KeyUpdate
// answers wait while something is).
static int keep_pending(struct record13 *record, const uint8_t *bytes, size_t length, size_t plain) {
    uint8_t *kept = malloc(length);
    if (kept == NULL) return 0;
    memcpy(kept, bytes, length);
    record->pending = kept;
    record->pending_length = (uint32_t)length;
    record->pending_sent = 0;
    record->pending_plain = (uint32_t)plain;
    return 1;
}

// Sends `length` sealed bytes made of records of the given plaintext sizes; returns the
// plaintext of the records that went out whole, and keeps the rest pending (their sequence
// numbers are spent, so they are never sealed again).
static long send_records(struct record13 *record, int fd, const uint8_t *sealed, size_t length,
                         const size_t *plain_sizes, int records) {
    ssize_t sent;
    do { sent = send(fd, sealed, length, MSG_NOSIGNAL | MSG_DONTWAIT); } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) return CTLS_CLOSED;
        sent = 0;
    }
    size_t whole = 0, end = 0, plain = 0, index = 0;
    for (; index < (size_t)records; index++) {
        size_t next = end + plain_sizes[index] + 1 + TAG + HEADER;
        if (next > (size_t)sent) break;
        end = next;
        whole += plain_sizes[index];
    }
    for (size_t rest = index; rest < (size_t)records; rest++) plain += plain_sizes[rest];
    // Of a record cut short, only its unsent tail is kept: its head is already on the wire.
    if (end < length && !keep_pending(record, sealed + (size_t)sent, length - (size_t)sent, plain)) return CTLS_FAILED;
    return whole > 0 ? (long)whole : CTLS_WANT_WRITE;
}

// Where a write seals its records, one per thread, made on first use.
static _Thread_local uint8_t *scratch;
enum { SCRATCH_SIZE = RECORDS_PER_WRITE * (HEADER + MAX_PLAIN + 1 + TAG) };

// Seals and sends our KeyUpdate, then moves to the next write secret. Only with nothing pending:
// while the socket is full the answer waits (key_update_due stays set) and goes out ahead of the
// next write, so a peer that asks again and again without reading cannot grow what is kept. Any
// number of requests before it are answered by one KeyUpdate, as RFC 8446 §4.6.3 allows.
static int answer_key_update(struct record13 *record, int fd) {
    static const uint8_t message[] = {KEY_UPDATE, 0, 0, 1, 0};  // update_not_requested
    uint8_t sealed[HEADER + sizeof message + 1 + TAG];
    size_t length = seal(record, HANDSHAKE, message, sizeof message, sealed);
    if (length == 0 || !update_secret(record->suite, record->write_secret, record->write_key, record->write_iv)) return 0;
    record->write_seq = 0;
    record->key_update_due = 0;
    ssize_t sent = send(fd, sealed, length, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == (ssize_t)length) return 1;
    if (sent < 0) sent = 0;
    return keep_pending(record, sealed + sent, length - (size_t)sent, 0);
}

long record13_write(struct record13 *record, int fd, const uint8_t *bytes, size_t count) {
    if (count == 0) return 0;
    if (record->pending != NULL) {
        int flushed = flush_pending(record, fd);
        if (flushed < 0) return CTLS_CLOSED;
        if (flushed == 0) return CTLS_WANT_WRITE;
        if (record->pending_plain > 0) {
            // The caller offers the same bytes again: the ones that were pending are now out.
            long done = (long)record->pending_plain;
            record->pending_plain = 0;
            if ((size_t)done > count) {
                ctls_note_error("write: retried with fewer bytes than were pending");
                return CTLS_FAILED;
            }
            return done;
        }
    }
    if (record->key_update_due && !answer_key_update(record, fd)) return CTLS_FAILED;
    if (record->pending != NULL) return CTLS_WANT_WRITE;
    if (scratch == NULL && (scratch = malloc(SCRATCH_SIZE)) == NULL) {
        ctls_note_error("write: out of memory");
        return CTLS_FAILED;
    }
    size_t plain_sizes[RECORDS_PER_WRITE], length = 0, offset = 0;
    int records = 0;
    while (offset < count && records < RECORDS_PER_WRITE) {
        size_t chunk = count - offset < MAX_PLAIN ? count - offset : MAX_PLAIN;
        size_t sealed = seal(record, APPLICATION_DATA, bytes + offset, chunk, scratch + length);
        if (sealed == 0) {
            ctls_note_error("write: sealing a record failed");
            return CTLS_FAILED;
        }
        plain_sizes[records++] = chunk;
        length += sealed;
        offset += chunk;
    }
    return send_records(record, fd, scratch, length, plain_sizes, records);
}

void record13_close_notify(struct record13 *record, int fd) {
    static const uint8_t close_notify[] = {1, 0};  // warning, close_notify
    uint8_t sealed[HEADER + sizeof close_notify + 1 + TAG];
    if (record->pending != NULL && flush_pending(record, fd) != 1) return;
    size_t length = seal(record, ALERT, close_notify, sizeof close_notify, sealed);
    if (length > 0) (void)send(fd, sealed, length, MSG_NOSIGNAL | MSG_DONTWAIT);
}

// MARK: Reading

// Readability waits for a whole record: epoll then wakes the reactor once, not per segment.
static void wait_for(struct record13 *record, int fd, size_t bytes) {
    int low_water = (int)bytes;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &low_water, sizeof low_water) == 0) record->low_water_raised = 1;
}

static void stop_waiting(struct record13 *record, int fd) {
    if (!record->low_water_raised) return;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    record->low_water_raised = 0;
}

static int peer_hung_up(int fd) {
    struct pollfd entry = {.fd = fd, .events = POLLRDHUP};
    return poll(&entry, 1, 0) == 1 && (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

enum { CONTENT, NOTHING, ENDED, BROKEN };

// Handles the handshake messages of a record: only KeyUpdate belongs after the handshake.
static int take_handshake(struct record13 *record, const uint8_t *body, size_t length) {
    if (length < 4) {
        ctls_note_error("read: a short handshake record");
        return BROKEN;
    }
    size_t message_length = ((size_t)body[1] << 16) | ((size_t)body[2] << 8) | body[3];
    if (body[0] != KEY_UPDATE || message_length != 1 || length < 5 || body[4] > 1) {
        ctls_note_error("read: a handshake message other than KeyUpdate after the handshake");
        return BROKEN;
    }
    // The next record is under the new key, so nothing may follow in this one.
    if (length != 5) {
        ctls_note_error("read: data after a KeyUpdate in its record");
        return BROKEN;
    }
    if (!update_secret(record->suite, record->read_secret, record->read_key, record->read_iv)) return BROKEN;
    record->read_seq = 0;
    if (body[4] == 1) record->key_update_due = 1;
    return NOTHING;
}

// Interprets one opened record whose inner plaintext is at `plain`; CONTENT leaves the
// content's length in `*content`.
static int take_record(struct record13 *record, uint8_t *plain, size_t length, size_t *content) {
    // The inner type is the last non-zero byte; zeros after it are padding.
    while (length > 0 && plain[length - 1] == 0) length--;
    if (length == 0) {
        ctls_note_error("read: a record without a content type");
        return BROKEN;
    }
    uint8_t type = plain[--length];
    if (length > MAX_PLAIN) {
        ctls_note_error("read: record_overflow");
        return BROKEN;
    }
    switch (type) {
    case APPLICATION_DATA:
        *content = length;
        return CONTENT;
    case ALERT:
        if (length == 2 && plain[1] == 0) return ENDED;  // close_notify
        ctls_note_error("read: the peer sent an alert");
        return BROKEN;
    case HANDSHAKE:
        return take_handshake(record, plain, length);
    default:
        ctls_note_error("read: unexpected record type");
        return BROKEN;
    }
}

// The ciphertext length a record header announces, or -1 for a header no TLS 1.3 peer sends.
static long announced_length(const uint8_t *header) {
    size_t cipher_length = ((size_t)header[3] << 8) | header[4];
    if (header[0] != APPLICATION_DATA || cipher_length > MAX_CIPHER || cipher_length < TAG + 1) {
        ctls_note_error("read: not a TLS 1.3 application record");
        return -1;
    }
    return (long)cipher_length;
}

// Opens the whole records at the start of `buffer` (`available` bytes) in place, moving their
// content to its front: `*out` bytes of it. `*offset` is where the records read end, `*needed`
// the size of an incomplete record after them (0 when none).
static int open_records(struct record13 *record, uint8_t *buffer, size_t available, size_t *offset, size_t *out, size_t *needed) {
    int outcome = NOTHING;
    while (outcome != ENDED && outcome != BROKEN && *offset < available) {
        uint8_t *at = buffer + *offset;
        if (available - *offset < HEADER) { *needed = HEADER; break; }
        long cipher_length = announced_length(at);
        if (cipher_length < 0) return BROKEN;
        if (available - *offset < HEADER + (size_t)cipher_length) { *needed = HEADER + (size_t)cipher_length; break; }
        long plain_length = open_record(record, at, (size_t)cipher_length);
        if (plain_length < 0) {
            ctls_note_error("read: a record did not authenticate (bad_record_mac)");
            return BROKEN;
        }
        size_t content = 0;
        outcome = take_record(record, at + HEADER, (size_t)plain_length, &content);
        if (outcome == CONTENT) {
            memmove(buffer + *out, at + HEADER, content);
            *out += content;
        }
        *offset += HEADER + (size_t)cipher_length;
    }
    return outcome;
}

// Reads the rest of a record being taken in; once it is whole, copies it to `buffer` and returns
// its size; else CTLS_WANT_READ (or CTLS_CLOSED, CTLS_FAILED).
static long complete_partial(struct record13 *record, int fd, uint8_t *buffer) {
    for (;;) {
        size_t need = HEADER;
        if (record->partial_length >= HEADER) {
            long cipher_length = announced_length(record->partial);
            if (cipher_length < 0) return CTLS_FAILED;
            need = HEADER + (size_t)cipher_length;
        }
        if (record->partial_length == need) break;
        ssize_t got;
        do { got = recv(fd, record->partial + record->partial_length, need - record->partial_length, MSG_DONTWAIT); } while (got < 0 && errno == EINTR);
        if (got == 0) return CTLS_CLOSED;
        if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? CTLS_WANT_READ : CTLS_CLOSED;
        record->partial_length += (uint32_t)got;
    }
    size_t length = record->partial_length;
    memcpy(buffer, record->partial, length);
    free(record->partial);
    record->partial = NULL;
    record->partial_length = record->partial_seen = 0;
    return (long)length;
}

// An incomplete record the socket reported twice with nothing new is taken off it, so the next
// wake-up means new bytes; otherwise the reader waits (SO_RCVLOWAT) for the whole record.
static long await_rest(struct record13 *record, int fd, size_t partial, size_t needed) {
    if (partial != record->partial_seen) {
        record->partial_seen = (uint32_t)partial;
        wait_for(record, fd, needed);
        return CTLS_WANT_READ;
    }
    record->partial = malloc(HEADER + MAX_CIPHER);
    if (record->partial == NULL) {
        ctls_note_error("read: out of memory");
        return CTLS_FAILED;
    }
    ssize_t got;
    do { got = recv(fd, record->partial, partial, MSG_DONTWAIT); } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)partial) return CTLS_CLOSED;
    record->partial_length = (uint32_t)partial;
    stop_waiting(record, fd);
    return CTLS_WANT_READ;
}

long record13_read(struct record13 *record, int fd, uint8_t *buffer, size_t capacity) {
    if (record->peer_closed) return CTLS_CLOSED;
    if (capacity < CTLS_MIN_READ) {
        ctls_note_error("read: buffer smaller than one record");
        return CTLS_FAILED;
    }
    // A peer sending only empty records or KeyUpdates is read a few rounds at a time, so it cannot
    // hold the reactor thread: what is left wakes it again.
    for (int round = 0; round < 4; round++) {
        size_t available, offset = 0, out = 0, needed = 0;
        int taken = 0;
        if (record->partial != NULL) {
            long whole = complete_partial(record, fd, buffer);
            if (whole < 0) return whole;
            available = (size_t)whole;
            taken = 1;
        } else {
            ssize_t got;
            do { got = recv(fd, buffer, capacity, MSG_PEEK | MSG_DONTWAIT); } while (got < 0 && errno == EINTR);
            if (got == 0) return CTLS_CLOSED;
            if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? CTLS_WANT_READ : CTLS_CLOSED;
            available = (size_t)got;
        }
        int outcome = open_records(record, buffer, available, &offset, &out, &needed);
        // The records read are taken off the socket; a partial one stays for the next wake-up.
        if (offset > 0 && !taken) {
            ssize_t dropped;
            do { dropped = recv(fd, NULL, offset, MSG_TRUNC | MSG_DONTWAIT); } while (dropped < 0 && errno == EINTR);
            if (dropped != (ssize_t)offset) return CTLS_CLOSED;
        }
        if (outcome == BROKEN) return CTLS_FAILED;
        if (outcome == ENDED) {
            record->peer_closed = 1;
            return out > 0 ? (long)out : CTLS_CLOSED;
        }
        if (record->key_update_due && record->pending == NULL && !answer_key_update(record, fd)) return CTLS_FAILED;
        if (needed > 0) {
            if (out == 0 && peer_hung_up(fd)) return CTLS_CLOSED;  // ended mid-record
            if (out > 0) {
                record->partial_seen = (uint32_t)(available - offset);
                wait_for(record, fd, needed);
                return (long)out;
            }
            return await_rest(record, fd, available - offset, needed);
        }
        record->partial_seen = 0;
        stop_waiting(record, fd);
        if (out > 0) return (long)out;
        // Only KeyUpdates or empty records: look again.
    }
    return CTLS_WANT_READ;
}
