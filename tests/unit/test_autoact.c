// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/autoact.c: what `activate --all` and
 * `activate --udev` may do with metadata read from an arbitrary disk.
 * Each case crafts a metadata image (a file, as a disk would hold it),
 * reads it back the way ifrepctl reads a device, and asks the policy.
 */
#include "unit.h"
#include "autoact.h"
#include "meta.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char why[1024];
static struct ifrep_autoact_conf conf;

/* A secondary of this host ("nodeb") that listens with a secret in /etc/ifrep. */
static void sample(struct ifrep_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->version = IFREP_META_VERSION;
	m->seq = 7;
	memcpy(m->uuid, "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
	m->data_sectors = 2097152;
	m->chunk_sectors = 16384;
	m->role = IFREP_ROLE_SECONDARY;
	m->nr_chunks = 128;
	m->bitmap_blocks = 1;
	m->meta_blocks = 11;
	strcpy(m->volume_name, "vol0");
	strcpy(m->data_path, "/dev/vdb");
	strcpy(m->listen, "192.0.2.2:7789");
	strcpy(m->listen_secret_file, "/etc/ifrep/vol0.key");
	strcpy(m->home_host, "nodeb");
}

/* @m written to a file as slot A of a metadata device, and read back. */
static int image_roundtrip(const struct ifrep_meta *m, struct ifrep_meta *out)
{
	static uint8_t img[IFREP_META_PROBE_SIZE];
	char path[] = "/tmp/ifrep-autoact.XXXXXX", rwhy[256];
	int fd, kind;

	memset(img, 0, sizeof(img));
	ifrep_meta_pack(m, 0, img);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, img, sizeof(img)) != (ssize_t)sizeof(img)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	kind = ifrep_meta_read(path, out, rwhy, sizeof(rwhy));
	unlink(path);
	return kind;
}

/* The policy's verdict on @m as read back from its image. */
static int check(const struct ifrep_meta *m, const char *host)
{
	struct ifrep_meta got;

	why[0] = '\0';
	if (image_roundtrip(m, &got) != META_VALID) {
		snprintf(why, sizeof(why), "image did not read back as valid");
		return -1000;
	}
	return ifrep_autoact_check(&got, &conf, host, 0, why, sizeof(why));
}

static int parse(const char *text)
{
	return ifrep_autoact_parse(text, &conf, why, sizeof(why));
}

TEST(home_host_recorded_in_superblock)
{
	struct ifrep_meta m, got;

	CHECK_EQ(offsetof(struct ifrep_disk_superblock, home_host), 3816);
	CHECK(sizeof(struct ifrep_disk_superblock) <= IFREP_META_BLOCK_SIZE);
	sample(&m);
	CHECK_EQ(image_roundtrip(&m, &got), META_VALID);
	CHECK_STR(got.home_host, "nodeb");
}

TEST(own_host_is_activated)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	CHECK_EQ(check(&m, "nodeb"), 0);
}

TEST(foreign_host_is_refused)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	strcpy(m.home_host, "elsewhere");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "home host 'elsewhere', not this host ('nodeb')");
	CHECK_CONTAINS(why, "'allow vol0 uuid=0123456789abcdef0123456789abcdef' is not in /etc/ifrep/activate.conf");
}

TEST(no_home_host_is_refused)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	m.home_host[0] = '\0';
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "names no home host");
	/* a host without identity matches nothing, not even an empty home host */
	CHECK_EQ(check(&m, ""), -EPERM);
	strcpy(m.home_host, "nodeb");
	CHECK_EQ(check(&m, ""), -EPERM);
	CHECK_CONTAINS(why, "no usable identity");
}

TEST(allow_list)
{
	struct ifrep_meta m;

	sample(&m);
	strcpy(m.home_host, "elsewhere");
	CHECK_EQ(parse("# volumes this host takes over\n"
		       "allow other\n"
		       "allow vol0 uuid=01234567-89ab-cdef-0123-456789abcdef   # the DR copy\n"), 0);
	CHECK_EQ(conf.nr_allow, 2);
	CHECK_EQ(check(&m, "nodeb"), 0);
	/* the same name with another uuid is another volume */
	m.uuid[15] ^= 1;
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_EQ(parse("allow vol0\n"), 0);
	CHECK_EQ(check(&m, "nodeb"), 0);
	/* meta= must be the very device the metadata was read from */
	CHECK_EQ(parse("allow vol0 meta=/nonexistent/meta\n"), 0);
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
}

TEST(insecure_listener_never)
{
	struct ifrep_meta m;

	CHECK_EQ(parse("allow vol0\n"), 0);
	sample(&m);
	m.flags |= IFREP_SB_F_INSECURE;
	m.listen_secret_file[0] = '\0';
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "listens on 192.0.2.2:7789 for primaries without a secret (insecure), which is never activated automatically");
	/* a primary's stale flag opens no listener */
	m.role = IFREP_ROLE_PRIMARY;
	m.listen[0] = '\0';
	CHECK_EQ(check(&m, "nodeb"), 0);
}

TEST(secret_files_under_etc_ifrep)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	strcpy(m.listen_secret_file, "/root/.ssh/id_rsa");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "listen secret file /root/.ssh/id_rsa is not under /etc/ifrep");
	strcpy(m.listen_secret_file, "/etc/ifrep/../shadow");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);

	sample(&m);
	m.role = IFREP_ROLE_PRIMARY;
	m.listen[0] = '\0';
	m.nr_pairs = 2;
	m.pairs[0].slot = 0;
	m.pairs[0].flags = IFREP_PAIR_F_REMOTE;
	m.pairs[0].mode = IFREP_MODE_SYNC;
	strcpy(m.pairs[0].name, "dr");
	strcpy(m.pairs[0].peer, "192.0.2.7:7789");
	strcpy(m.pairs[0].secret_file, "/etc/ifrep/dr.key");
	m.pairs[1].slot = 1;
	m.pairs[1].flags = IFREP_PAIR_F_REMOTE;
	m.pairs[1].mode = IFREP_MODE_SYNC;
	strcpy(m.pairs[1].name, "dr2");
	strcpy(m.pairs[1].peer, "192.0.2.8:7789");
	strcpy(m.pairs[1].secret_file, "/etc/passwd");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "secret file /etc/passwd of its pair dr2 is not under /etc/ifrep");
	/* a finished copy's secret is never read */
	m.pairs[1].mode = IFREP_MODE_COPY;
	m.pairs[1].flags |= IFREP_PAIR_F_INITIAL_DONE;
	CHECK_EQ(check(&m, "nodeb"), 0);
	/* a local async pair's secret_file is its journal device, not a secret */
	m.pairs[1].flags = IFREP_PAIR_F_JOURNAL;
	m.pairs[1].mode = IFREP_MODE_ASYNC;
	strcpy(m.pairs[1].peer, "/dev/vdd");
	strcpy(m.pairs[1].secret_file, "/dev/vde");
	CHECK_EQ(check(&m, "nodeb"), 0);
}

TEST(names_from_disk_are_escaped)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	strcpy(m.volume_name, "evil\x1b]0;owned\x07");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "volume name 'evil\\x1b]0;owned\\x07' is not usable");
	CHECK(!strchr(why, '\x1b'));

	sample(&m);
	strcpy(m.home_host, "h\xff\n");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "home host 'h\\xff\\x0a'");

	sample(&m);
	strcpy(m.home_host, "x");
	strcpy(m.volume_name, "v\\ol");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "'allow v\\\\ol uuid=");
}

TEST(device_paths_printable)
{
	struct ifrep_meta m;

	parse("");
	sample(&m);
	strcpy(m.data_path, "/dev/vdb\x1b[2J");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "data device path '/dev/vdb\\x1b[2J' is not a usable path");
	sample(&m);
	m.data_path[0] = '\0';
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	sample(&m);
	strcpy(m.journal_path, "/dev/a b");
	CHECK_EQ(check(&m, "nodeb"), -EPERM);
	CHECK_CONTAINS(why, "journal device path");
}

TEST(escape)
{
	char buf[16];

	CHECK_STR(ifrep_escape("plain-name_1.x", buf, sizeof(buf)), "plain-name_1.x");
	CHECK_STR(ifrep_escape("a\tb", buf, sizeof(buf)), "a\\x09b");
	CHECK_STR(ifrep_escape("\x80", buf, sizeof(buf)), "\\x80");
	CHECK_STR(ifrep_escape("0123456789abcdefghij", buf, sizeof(buf)), "0123456789ab...");
	CHECK_STR(ifrep_escape("", buf, sizeof(buf)), "");
}

TEST(path_under)
{
	CHECK(ifrep_path_under("/etc/ifrep/a.key", "/etc/ifrep"));
	CHECK(ifrep_path_under("/etc/ifrep/sub/a.key", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrepx/a", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/../passwd", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/./a", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep//a", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/sub/", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/a b", "/etc/ifrep"));
	CHECK(!ifrep_path_under("etc/ifrep/a", "/etc/ifrep"));
	CHECK(!ifrep_path_under("/etc/ifrep/a\n", "/etc/ifrep"));
}

TEST(conf_parse)
{
	CHECK_EQ(parse("homehost db1.example.com\nallow vol0 uuid=0123456789abcdef0123456789abcdef meta=/dev/disk/by-id/x\n"), 0);
	CHECK_STR(conf.homehost, "db1.example.com");
	CHECK_STR(conf.allow[0].meta, "/dev/disk/by-id/x");
	CHECK(conf.allow[0].has_uuid);
	CHECK_EQ(parse("homehost localhost\n"), -EINVAL);
	CHECK_CONTAINS(why, "line 1: 'homehost'");
	CHECK_EQ(parse("\n\nallow\n"), -EINVAL);
	CHECK_CONTAINS(why, "line 3: 'allow' needs a volume name");
	CHECK_EQ(parse("allow vol0 uuid=0123\n"), -EINVAL);
	CHECK_CONTAINS(why, "32 hex digits");
	CHECK_EQ(parse("allow vol0 meta=relative\n"), -EINVAL);
	CHECK_EQ(parse("allow a/b\n"), -EINVAL);
	CHECK_EQ(parse("permit vol0\n"), -EINVAL);
	CHECK_CONTAINS(why, "unknown keyword 'permit'");
	CHECK_EQ(parse("homehost a\nhomehost b\n"), -EINVAL);
}

TEST(host_id)
{
	char buf[IFREP_HOST_LEN];

	parse("");
	CHECK(ifrep_host_id(&conf, "nodeb", buf, sizeof(buf)));
	CHECK_STR(buf, "nodeb");
	CHECK(!ifrep_host_id(&conf, "localhost", buf, sizeof(buf)));
	CHECK_STR(buf, "");
	CHECK(!ifrep_host_id(&conf, "(none)", buf, sizeof(buf)));
	CHECK(!ifrep_host_id(&conf, "", buf, sizeof(buf)));
	parse("homehost db1\n");
	CHECK(ifrep_host_id(&conf, "localhost", buf, sizeof(buf)));
	CHECK_STR(buf, "db1");
}
