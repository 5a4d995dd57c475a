# SPDX-License-Identifier: GPL-2.0
#
# dm-ifrep: make builds the kernel module and ifrepctl; make check runs the
# unit tests and the VM tests; make demo shows replication in a VM.
#
# docs/ifrepctl.8 is generated from docs/ifrepctl.md: edit the .md, then
# 'make man' (lowdown) and commit both; the unit test man-page.sh checks it.
#
# The kernel build directory defaults to the running kernel's when it has
# one, else to the newest installed /lib/modules/*/build that is not the
# debug kernel's; KDIR= overrides.
#
# KERNEL=debug (make check KERNEL=debug, make module KERNEL=debug): build the
# debug kernel of tests/vm/build-debug-kernel (KASAN, KFENCE, lockdep) if it
# is missing or stale, build dm-ifrep.ko for it and boot it in the VM tests.
# Its build dependencies are DEBUG_KERNEL_PACKAGES, not DEB_PACKAGES: CI does
# not build a kernel.

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(shell ls -d /lib/modules/*/build 2>/dev/null | grep -v -- '-ifrep-debug/build$$' | sort -V | tail -n 1))
PREFIX ?= /usr
DESTDIR ?=
T ?=
HOST ?=
# make check: VMs at once.  4 on 2 cores: most of a case's time its VMs wait
# (for a timeout, a peer, a link), so two two-VM cases side by side fill the
# cores.  On this 2-core host a full check took 43 min at 4 with the faster
# boots of tests/vm/unpack-kernel, 62 min at 3 without them; 47 min once
# the Pacemaker, systemd, iSCSI and NVMe-export cases came (631 tests).
J ?= 4
KERNEL ?=

ifeq ($(KERNEL),debug)
# Recursive: expanded when a recipe runs, after debug-kernel has built it.
DEBUG_KVER = $(shell tests/vm/build-debug-kernel --kver)
KDIR = /lib/modules/$(DEBUG_KVER)/build
VM_KVER = $(DEBUG_KVER)
else ifneq ($(KERNEL),)
$(error KERNEL=$(KERNEL): the only other kernel is KERNEL=debug)
endif

# The guests run the host's programs (its root over 9p): Pacemaker, Corosync,
# LIO's targetcli and open-iscsi are here for the VM tests that run them, in
# the VMs.  When make deps installs them, it stops and disables the services
# their packages start, so a development machine runs no cluster daemon;
# where they were installed already, it leaves them as they are.
VM_SERVICE_PACKAGES := pacemaker corosync targetcli-fb open-iscsi
VM_SERVICE_UNITS := pacemaker.service corosync.service targetclid.socket \
	targetclid.service rtslib-fb-targetctl.service open-iscsi.service \
	iscsid.socket iscsid.service
DEB_PACKAGES := build-essential make gcc kmod cpio busybox-static \
	qemu-system-x86 linux-image-amd64 linux-headers-amd64 \
	dmsetup lvm2 libdevmapper-dev libssl-dev libaio-dev fio iproute2 e2fsprogs \
	drbd-utils util-linux procps psmisc jq bc perl lowdown man-db gnuplot-nox \
	dpkg-dev dkms lintian \
	pacemaker pacemaker-cli-utils corosync resource-agents targetcli-fb open-iscsi

# make debug-kernel only (tests/vm/build-debug-kernel)
DEBUG_KERNEL_PACKAGES := linux-source-6.1 build-essential bc bison flex \
	libelf-dev libssl-dev dwarves xz-utils kmod cpio rsync

.PHONY: all module tools unit testtools check demo bench deps install man clean help \
	debug-kernel debug-kernel-deps deb dkms install-tools

all: module tools

# dm-ifrep.ko is built in the tree for one kernel at a time: one built for
# another kernel (the stock one, or the debug one) is cleaned first.
module:
	@test -n "$(KDIR)" && test -f "$(KDIR)/Makefile" || \
		{ echo "No kernel build directory: install kernel headers (make deps) or pass KDIR=" >&2; exit 1; }
	@want=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null); \
	have=$$(modinfo -F vermagic dm-ifrep/dm-ifrep.ko 2>/dev/null | cut -d' ' -f1); \
	if [ -n "$$have" ] && [ "$$have" != "$$want" ]; then \
		echo "dm-ifrep.ko was built for $$have, KDIR is for $${want:-another kernel}: cleaning"; \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	fi
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
	$(if $(VM_KVER),IFREP_KVER=$(VM_KVER) )tests/run -j $(J) $(if $(T),-t $(T)) $(if $(HOST),--host)

demo: all testtools
	$(if $(VM_KVER),IFREP_KVER=$(VM_KVER) )tests/demo

bench: all testtools
	tests/bench/run $(if $(T),-t $(T))

# Fault campaigns, not in make check: N rounds of each (default 10).
torture: all testtools
	IFREP_TORTURE_N=$(or $(N),10) tests/run --torture $(if $(T),-t $(T))

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps installs packages: run it as root" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	@new=$$(for p in $(VM_SERVICE_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' || echo $$p; done); \
	echo "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEB_PACKAGES)"; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEB_PACKAGES) || exit 1; \
	if [ -n "$$new" ] && [ -d /run/systemd/system ]; then \
		echo "stopping the services that installing $$new started (they run in the test VMs only)"; \
		systemctl disable --now $(VM_SERVICE_UNITS) 2>/dev/null || true; \
	fi

install: all install-tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(notdir $(patsubst %/build,%,$(KDIR))))

# Everything but the module (which make dkms installs instead).
install-tools: tools
	$(MAKE) -C tools/ifrepctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 tools/udev/60-ifrep.rules $(DESTDIR)/lib/udev/rules.d/60-ifrep.rules
	install -D -m 0644 tools/systemd/ifrep-activate@.service $(DESTDIR)/lib/systemd/system/ifrep-activate@.service
	install -D -m 0755 tools/ocf/ifrep $(DESTDIR)/usr/lib/ocf/resource.d/dm-ifrep/ifrep
	install -D -m 0644 tools/completion/ifrepctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ifrepctl

man:
	$(MAKE) -C docs man

# Debian packages (dm-ifrep-dkms, ifrep-utils) in DEBDIR: packaging/build-debs.
DEBDIR ?= build/deb
deb:
	packaging/build-debs $(DEBDIR)

# The module under DKMS without a package: its source in
# /usr/src/dm-ifrep-VERSION, built and installed for every kernel that has
# headers; DKMS builds it again for each kernel installed later.
IFREP_VERSION = $(shell packaging/build-debs --version)
dkms:
	@if [ "$$(id -u)" != 0 ]; then echo "make dkms installs into /usr/src and /lib/modules: run it as root" >&2; exit 1; fi
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	packaging/build-debs --dkms-source /usr/src
	dkms status -m dm-ifrep -v $(IFREP_VERSION) | grep -q . || dkms add -m dm-ifrep -v $(IFREP_VERSION)
	for k in $$(ls /lib/modules); do \
		[ -f /lib/modules/$$k/build/Makefile ] || continue; \
		dkms install -m dm-ifrep -v $(IFREP_VERSION) -k $$k || exit 1; \
	done

# The debug kernel: packages, then tests/vm/build-debug-kernel (nothing to do
# when it is up to date).  make check KERNEL=debug does this first.
debug-kernel-deps:
	@missing=$$(for p in $(DEBUG_KERNEL_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "the debug kernel needs these packages (as root: make debug-kernel-deps):" $$missing >&2; exit 1; fi; \
		echo "installing" $$missing; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

debug-kernel: debug-kernel-deps
	tests/vm/build-debug-kernel

ifeq ($(KERNEL),debug)
module: debug-kernel
check demo: debug-kernel
ifneq ($(filter bench,$(MAKECMDGOALS)),)
$(error make bench KERNEL=debug: the debug kernel's numbers would mean nothing)
endif
endif

clean:
	-$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	-$(MAKE) -C tools/ifrepctl clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/tools clean

help:
	@echo "make            build dm-ifrep.ko (KDIR=$(KDIR)) and tools/ifrepctl/ifrepctl"
	@echo "make deps       install the Debian 12 packages needed (root)"
	@echo "make check      unit tests and VM tests (T=name: one test; J=4: VMs at once; HOST=1: on this kernel;"
	@echo "                KERNEL=debug: VMs boot the debug kernel, built first if needed)"
	@echo "make debug-kernel  build and install the KASAN/KFENCE/lockdep kernel (root; slow)"
	@echo "make demo       boot a VM and show replication, failure and incremental resync"
	@echo "make bench      performance ratios measured side by side (T=name: one scenario)"
	@echo "make torture    fault campaigns: power cuts and link flaps (N=rounds, T=name)"
	@echo "make install    module, ifrepctl, udev rule, man page, bash completion"
	@echo "make deb        Debian packages dm-ifrep-dkms and ifrep-utils in DEBDIR (build/deb)"
	@echo "make dkms       (root) the module under DKMS: rebuilt for every installed kernel"
	@echo "make install-tools  make install without the module (after make dkms)"
	@echo "make man        regenerate docs/ifrepctl.8 from docs/ifrepctl.md (lowdown)"
