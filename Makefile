# SPDX-License-Identifier: GPL-2.0
#
# dm-ifrep: make builds the kernel module and ifrepctl; make check runs the
# unit tests and the VM tests; make demo shows replication in a VM.
#
# docs/ifrepctl.8 is generated from docs/ifrepctl.md: edit the .md, then
# 'make man' (lowdown) and commit both; the unit test man-page.sh checks it.
#
# The kernel build directory defaults to the running kernel's when it has
# one, else to the newest installed /lib/modules/*/build; KDIR= overrides.

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1))
PREFIX ?= /usr
DESTDIR ?=
T ?=
HOST ?=

DEB_PACKAGES := build-essential make gcc kmod cpio busybox-static \
	qemu-system-x86 linux-image-amd64 linux-headers-amd64 \
	dmsetup libdevmapper-dev libaio-dev fio iproute2 e2fsprogs \
	drbd-utils util-linux procps jq bc perl lowdown man-db

.PHONY: all module tools unit testtools check demo bench deps install man clean help

all: module tools

module:
	@test -n "$(KDIR)" && test -f "$(KDIR)/Makefile" || \
		{ echo "No kernel build directory: install kernel headers (make deps) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools/ifrepctl

unit: tools
	$(MAKE) -C tests/unit

# after tools: tests/tools links tools/ifrepctl/libifrep.a, which only the
# tool's make builds (two makes must not compile its objects at once)
testtools: tools
	$(MAKE) -C tests/tools

check: all unit testtools
	tests/run $(if $(T),-t $(T)) $(if $(HOST),--host)

demo: all testtools
	tests/demo

bench: all testtools
	tests/bench/run $(if $(T),-t $(T))

# Fault campaigns, not in make check: N rounds of each (default 10).
torture: all testtools
	IFREP_TORTURE_N=$(or $(N),10) tests/run --torture $(if $(T),-t $(T))

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps installs packages: run it as root" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEB_PACKAGES)

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(notdir $(patsubst %/build,%,$(KDIR))))
	$(MAKE) -C tools/ifrepctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 tools/udev/60-ifrep.rules $(DESTDIR)/lib/udev/rules.d/60-ifrep.rules
	install -D -m 0755 tools/ocf/ifrep $(DESTDIR)/usr/lib/ocf/resource.d/dm-ifrep/ifrep

man:
	$(MAKE) -C docs man

clean:
	-$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	-$(MAKE) -C tools/ifrepctl clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/tools clean

help:
	@echo "make            build dm-ifrep.ko (KDIR=$(KDIR)) and tools/ifrepctl/ifrepctl"
	@echo "make deps       install the Debian 12 packages needed (root)"
	@echo "make check      unit tests and VM tests (T=name: one test; HOST=1: on this kernel)"
	@echo "make demo       boot a VM and show replication, failure and incremental resync"
	@echo "make bench      performance ratios measured side by side (T=name: one scenario)"
	@echo "make torture    fault campaigns: power cuts and link flaps (N=rounds, T=name)"
	@echo "make install    module, ifrepctl, udev rule, man page"
	@echo "make man        regenerate docs/ifrepctl.8 from docs/ifrepctl.md (lowdown)"
