// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep TCP transport: kernel sockets, no userspace in the data path.
 *
 * Sockets allocate with GFP_NOIO: they carry writes that may be needed to
 * free memory, so their allocations must not recurse into block I/O.
 * Receive timeouts are short (IFREP_TRANSPORT_POLL) so that the threads
 * blocked in them notice stop requests and request deadlines.
 */
#include "dm-ifrep-transport.h"

#include <linux/device-mapper.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#define DM_MSG_PREFIX "ifrep tcp"

int ifrep_parse_addr(const char *text, struct sockaddr_storage *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	const char *port, *end;
	u16 port_nr;

	memset(addr, 0, sizeof(*addr));
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		if (!in6_pton(text + 1, end - text - 1, sin6->sin6_addr.s6_addr, -1, NULL))
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		port = end + 2;
	} else {
		end = strrchr(text, ':');
		if (!end || !in4_pton(text, end - text, (u8 *)&sin->sin_addr.s_addr, -1, NULL))
			return -EINVAL;
		sin->sin_family = AF_INET;
		port = end + 1;
	}
	if (kstrtou16(port, 10, &port_nr) || !port_nr)
		return -EINVAL;
	if (sin->sin_family == AF_INET)
		sin->sin_port = htons(port_nr);
	else
		sin6->sin6_port = htons(port_nr);
	return 0;
}

static int addr_len(const struct sockaddr_storage *addr)
{
	return addr->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
}

static int new_stream(struct socket *sock, struct ifrep_stream **out)
{
	struct ifrep_stream *stream;
	struct sockaddr_storage peer;

	stream = kzalloc(sizeof(*stream), GFP_KERNEL);
	if (!stream)
		return -ENOMEM;
	stream->sock = sock;
	sock->sk->sk_allocation = GFP_NOIO;
	sock->sk->sk_rcvtimeo = IFREP_TRANSPORT_POLL;
	sock->sk->sk_sndtimeo = IFREP_TRANSPORT_POLL;
	if (kernel_getpeername(sock, (struct sockaddr *)&peer) > 0)
		snprintf(stream->peer, sizeof(stream->peer), "%pISpc", &peer);
	else
		strscpy(stream->peer, "?", sizeof(stream->peer));
	*out = stream;
	return 0;
}

/*
 * Socket buffers.  Left to TCP's autotuning, a buffer stops at the
 * net.ipv4.tcp_wmem/tcp_rmem maximum (4 and 6 MiB by default) and a
 * receiver advertises half of its buffer, so one connection carried at
 * most 3 MiB per round trip: 15 MB/s over 200 ms, 5 MB/s over 600 ms,
 * whatever a background copy's window (dm-ifrep-window.c) keeps in flight.
 * The buffers are sized to the window's cap instead.  The receive side
 * must be large when the connection starts: TCP fixes the most it may
 * ever advertise then (the window scale and clamp, from the buffer at that
 * time).  An unauthenticated peer must not pin that much memory: the buffers shrink
 * to IFREP_TRANSPORT_PREAUTH_BUFFER as soon as the connection is up and
 * grow again once the handshake proved who is at the other end.  Sizes are
 * limits, not allocations: memory is taken for data in flight, which the
 * window bounds.
 */
static void set_buffers(struct socket *sock, unsigned int bytes)
{
	struct sock *sk = sock->sk;

	/* Each counts skb overhead as well: twice the data, as SO_*BUF does. */
	sock_set_rcvbuf(sk, bytes);
	lock_sock(sk);
	sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	WRITE_ONCE(sk->sk_sndbuf, max_t(int, bytes * 2, SOCK_MIN_SNDBUF));
	sk->sk_write_space(sk);
	release_sock(sk);
}

void ifrep_transport_open(struct ifrep_stream *stream, unsigned int in_flight)
{
	set_buffers(stream->sock, max_t(unsigned int, in_flight, IFREP_TRANSPORT_PREAUTH_BUFFER));
}

static void tune(struct socket *sock)
{
	tcp_sock_set_nodelay(sock->sk);
	sock_set_keepalive(sock->sk);
	tcp_sock_set_keepidle(sock->sk, 10);
	tcp_sock_set_keepintvl(sock->sk, 5);
	tcp_sock_set_keepcnt(sock->sk, 3);
}

int ifrep_transport_connect(const struct sockaddr_storage *addr, unsigned long timeout,
			    unsigned int in_flight, struct ifrep_stream **stream)
{
	struct socket *sock;
	int r;

	r = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM, IPPROTO_TCP,
			     &sock);
	if (r)
		return r;
	sock->sk->sk_allocation = GFP_NOIO;
	/* A blocking connect waits at most sk_sndtimeo. */
	sock->sk->sk_sndtimeo = timeout;
	tune(sock);
	set_buffers(sock, in_flight);
	r = kernel_connect(sock, (struct sockaddr *)addr, addr_len(addr), 0);
	if (r) {
		sock_release(sock);
		return r == -EINPROGRESS || r == -EAGAIN ? -ETIMEDOUT : r;
	}
	set_buffers(sock, IFREP_TRANSPORT_PREAUTH_BUFFER);
	r = new_stream(sock, stream);
	if (r)
		sock_release(sock);
	return r;
}

int ifrep_transport_listen(const struct sockaddr_storage *addr, unsigned int in_flight,
			   struct ifrep_stream **listener)
{
	struct socket *sock;
	int r;

	r = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM, IPPROTO_TCP,
			     &sock);
	if (r)
		return r;
	sock_set_reuseaddr(sock->sk);
	/* Accepted connections start with the listener's buffers. */
	set_buffers(sock, in_flight);
	r = kernel_bind(sock, (struct sockaddr *)addr, addr_len(addr));
	if (!r)
		r = kernel_listen(sock, 8);
	if (!r) {
		r = new_stream(sock, listener);
		if (!r)
			snprintf((*listener)->peer, sizeof((*listener)->peer),
				 "%pISpc", addr);
	}
	if (r)
		sock_release(sock);
	return r;
}

int ifrep_transport_accept(struct ifrep_stream *listener,
			   struct ifrep_stream **stream)
{
	struct socket *sock;
	int r;

	/* Blocking accept honours the listener's receive timeout. */
	r = kernel_accept(listener->sock, &sock, 0);
	if (r)
		return r == -EAGAIN || r == -EWOULDBLOCK ? -EAGAIN : r;
	tune(sock);
	set_buffers(sock, IFREP_TRANSPORT_PREAUTH_BUFFER);
	r = new_stream(sock, stream);
	if (r)
		sock_release(sock);
	return r;
}

/*
 * A full send buffer makes sock_sendmsg() wait one poll period: the
 * deadline counts from the last progress, so a slow link may take as long
 * as it needs while a stalled one ends the send after @timeout.
 */
static int send_all(struct ifrep_stream *stream, struct msghdr *msg,
		    unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;
	int r;

	while (iov_iter_count(&msg->msg_iter)) {
		r = sock_sendmsg(stream->sock, msg);
		if (r > 0) {
			deadline = jiffies + timeout;
			continue;
		}
		if (!r)
			return -ECONNRESET;
		if (r != -EAGAIN)
			return r;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

int ifrep_transport_send(struct ifrep_stream *stream, struct kvec *vec,
			 unsigned int nr, size_t len, bool more, unsigned long timeout)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };

	iov_iter_kvec(&msg.msg_iter, WRITE, vec, nr, len);
	return send_all(stream, &msg, timeout);
}

int ifrep_transport_send_pages(struct ifrep_stream *stream, struct bio_vec *bv,
			       unsigned int nr, size_t len, bool more,
			       unsigned long timeout)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };

	iov_iter_bvec(&msg.msg_iter, WRITE, bv, nr, len);
	return send_all(stream, &msg, timeout);
}

/*
 * Receives until @msg's iterator is full.  The deadline counts from the
 * start: once a message started, the whole of it is due, so a trickle ends
 * too.  With @idle_ok, a receive timeout before the first byte is the
 * caller's idle poll (-EAGAIN), not an error.
 */
static int recv_all(struct ifrep_stream *stream, struct msghdr *msg, bool idle_ok,
		    unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;
	size_t len = iov_iter_count(&msg->msg_iter);
	int r;

	while (iov_iter_count(&msg->msg_iter)) {
		r = sock_recvmsg(stream->sock, msg, MSG_WAITALL);
		if (!r)
			return -ECONNRESET;
		if (r < 0 && r != -EAGAIN)
			return r;
		if (r < 0 && idle_ok && iov_iter_count(&msg->msg_iter) == len)
			return -EAGAIN;
		if (iov_iter_count(&msg->msg_iter) && time_after(jiffies, deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

int ifrep_transport_recv(struct ifrep_stream *stream, void *buf, size_t len,
			 bool idle_ok, unsigned long timeout)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };

	iov_iter_kvec(&msg.msg_iter, READ, &vec, 1, len);
	return recv_all(stream, &msg, idle_ok, timeout);
}

int ifrep_transport_recv_pages(struct ifrep_stream *stream, struct bio_vec *bv,
			       unsigned int nr, size_t len, unsigned long timeout)
{
	struct msghdr msg = { };

	iov_iter_bvec(&msg.msg_iter, READ, bv, nr, len);
	return recv_all(stream, &msg, false, timeout);
}

void ifrep_transport_set_timeout(struct ifrep_stream *stream, unsigned long timeout)
{
	tcp_sock_set_user_timeout(stream->sock->sk, jiffies_to_msecs(timeout));
}

void ifrep_transport_shutdown(struct ifrep_stream *stream)
{
	kernel_sock_shutdown(stream->sock, SHUT_RDWR);
}

void ifrep_transport_close(struct ifrep_stream *stream)
{
	sock_release(stream->sock);
	kfree(stream);
}
