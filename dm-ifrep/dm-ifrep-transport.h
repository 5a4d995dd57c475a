/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep transport: a reliable, ordered byte stream between two hosts.
 * The protocol layer (dm-ifrep-proto.c) frames messages on top of it; the
 * only implementation is TCP (dm-ifrep-tcp.c).
 *
 * Rules: one sender and one receiver at a time per stream (callers
 * serialise sends with their own lock).  Every call may block; receive
 * calls wake at least every IFREP_TRANSPORT_POLL so that callers can check
 * for stop requests and deadlines.  After ifrep_transport_shutdown() every
 * blocked or later call fails promptly, and ifrep_transport_close() may be
 * called once nothing else uses the stream.
 */
#ifndef DM_IFREP_TRANSPORT_H
#define DM_IFREP_TRANSPORT_H

#include <linux/bvec.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>

#define IFREP_TRANSPORT_POLL	HZ

struct ifrep_stream {
	struct socket *sock;
	char peer[64];			/* printable address, for logs */
};

/**
 * ifrep_parse_addr() - parse "a.b.c.d:port" or "[v6]:port".
 * Return: 0, or -EINVAL for anything else (host names included: the kernel
 * connects to numbers only).
 */
int ifrep_parse_addr(const char *text, struct sockaddr_storage *addr);

/*
 * What a stream holds before its peer authenticated, either way: enough
 * for a handshake, too little for a flood of connections to pin memory.
 */
#define IFREP_TRANSPORT_PREAUTH_BUFFER	(64 * 1024)

/**
 * ifrep_transport_connect() - connect to @addr within @timeout jiffies.
 * @in_flight: the most one direction should have in flight once the
 *	stream is opened (ifrep_transport_open()); it sizes the window TCP
 *	agrees on at the connection's start.
 * Context: process, blocks.  Return: 0 and *@stream set, or -errno.
 */
int ifrep_transport_connect(const struct sockaddr_storage *addr, unsigned long timeout,
			    unsigned int in_flight, struct ifrep_stream **stream);

/**
 * ifrep_transport_listen() - bind and listen on @addr.
 * @in_flight: as for ifrep_transport_connect(), for the accepted streams.
 * Return: 0 and *@listener set, or -errno (-EADDRINUSE...).
 */
int ifrep_transport_listen(const struct sockaddr_storage *addr, unsigned int in_flight,
			   struct ifrep_stream **listener);

/**
 * ifrep_transport_open() - the peer authenticated: let @stream carry
 * @in_flight bytes per round trip each way (until then it holds
 * IFREP_TRANSPORT_PREAUTH_BUFFER).
 */
void ifrep_transport_open(struct ifrep_stream *stream, unsigned int in_flight);

/**
 * ifrep_transport_accept() - wait up to IFREP_TRANSPORT_POLL for a connection.
 * Return: 0 and *@stream set, -EAGAIN when none came, or -errno.
 */
int ifrep_transport_accept(struct ifrep_stream *listener,
			   struct ifrep_stream **stream);

/**
 * ifrep_transport_send() - send all of @vec (@nr entries, @len bytes).
 * @more: more data of the same message follows (MSG_MORE).
 * @timeout: jiffies the send may go without progress.
 * Return: 0, -ETIMEDOUT, or -errno; on error the stream is unusable.
 */
int ifrep_transport_send(struct ifrep_stream *stream, struct kvec *vec,
			 unsigned int nr, size_t len, bool more, unsigned long timeout);

/**
 * ifrep_transport_send_pages() - the same for @nr page segments: the socket
 * copies from the pages themselves, many at a time.
 */
int ifrep_transport_send_pages(struct ifrep_stream *stream, struct bio_vec *bv,
			       unsigned int nr, size_t len, bool more,
			       unsigned long timeout);

/**
 * ifrep_transport_recv() - receive exactly @len bytes into @buf.
 * @idle_ok: with nothing received yet, return -EAGAIN after a poll period
 *	     instead of waiting on; once a message started, waits for the rest
 *	     (up to @timeout jiffies in all, however it trickles in).
 * Return: 0, -EAGAIN (idle), -ETIMEDOUT, -ECONNRESET on end of stream, or
 * -errno.
 */
int ifrep_transport_recv(struct ifrep_stream *stream, void *buf, size_t len,
			 bool idle_ok, unsigned long timeout);

/**
 * ifrep_transport_recv_pages() - receive exactly @len bytes into @nr page
 * segments, waiting up to @timeout jiffies in all.
 * Return: 0, -ETIMEDOUT, -ECONNRESET on end of stream, or -errno.
 */
int ifrep_transport_recv_pages(struct ifrep_stream *stream, struct bio_vec *bv,
			       unsigned int nr, size_t len, unsigned long timeout);

/*
 * Data the peer does not acknowledge within @timeout ends the connection
 * (TCP_USER_TIMEOUT), so that a black-holed link fails as late as the
 * pair's threshold says and no later.
 */
void ifrep_transport_set_timeout(struct ifrep_stream *stream, unsigned long timeout);

void ifrep_transport_shutdown(struct ifrep_stream *stream);
void ifrep_transport_close(struct ifrep_stream *stream);

#endif
