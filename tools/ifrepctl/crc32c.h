/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) in
 * software, shared by the metadata reader (meta.c) and the wire protocol
 * client (proto.c).
 *
 * Kernel convention: @crc is the running register, with no inversion on
 * entry or exit.  The standard CRC-32C of a buffer (what RFC 3720, the
 * on-disk format and the wire protocol use) is ~ifrep_crc32c(~0U, buf, len);
 * its check value over "123456789" is 0xe3069283.
 */
#ifndef IFREPCTL_CRC32C_H
#define IFREPCTL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/** ifrep_crc32c() - run the CRC register @crc over @len bytes of @buf. */
uint32_t ifrep_crc32c(uint32_t crc, const void *buf, size_t len);

/**
 * ifrep_crc32c_zeros_op() - the operator that runs a CRC register over
 * @len zero bytes, for ifrep_crc32c_apply().  The register is linear, so
 *
 *   ifrep_crc32c(c, data, len) ==
 *	ifrep_crc32c_apply(ifrep_crc32c_zeros_op(len), c) ^ ifrep_crc32c(0, data, len)
 *
 * which lets a sender checksum many messages carrying the same payload
 * behind different headers without reading the payload again.
 */
uint32_t ifrep_crc32c_zeros_op(uint64_t len);

/** ifrep_crc32c_apply() - @crc run over the zeros that @op stands for. */
uint32_t ifrep_crc32c_apply(uint32_t op, uint32_t crc);

#endif /* IFREPCTL_CRC32C_H */
