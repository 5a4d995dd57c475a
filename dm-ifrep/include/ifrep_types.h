/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types of dm-ifrep's on-disk and wire formats, for the kernel
 * and for userspace (ifrepctl, the tests' tools) alike: the one shim every
 * header of this directory includes.  Fields are declared with these names
 * only, never with the kernel's __le32/__be32, so that userspace does not
 * have to redefine the kernel's names.
 *
 * In the kernel they are the kernel's own types (sparse checks their byte
 * order).  In userspace a little- or big-endian field is a one-member
 * struct, so a field read or written without its conversion helper does
 * not compile (drbd-headers does the same with be_u64).
 */
#ifndef IFREP_TYPES_H
#define IFREP_TYPES_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/types.h>

typedef __u8 ifrep_u8;
typedef __be16 ifrep_be16;
typedef __be32 ifrep_be32;
typedef __be64 ifrep_be64;
typedef __le32 ifrep_le32;
typedef __le64 ifrep_le64;

#define IFREP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#include <stdint.h>

typedef uint8_t ifrep_u8;
typedef struct { uint16_t be; } __attribute__((packed)) ifrep_be16;
typedef struct { uint32_t be; } __attribute__((packed)) ifrep_be32;
typedef struct { uint64_t be; } __attribute__((packed)) ifrep_be64;
typedef struct { uint32_t le; } __attribute__((packed)) ifrep_le32;
typedef struct { uint64_t le; } __attribute__((packed)) ifrep_le64;
#ifndef __packed
#define __packed __attribute__((packed))
#endif

#define IFREP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

#endif /* IFREP_TYPES_H */
