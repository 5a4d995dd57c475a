# shellcheck shell=bash
# Host-side API for VM test cases; tests/run sources it and then the case.
# See tests/README.md for the API.  tests/run sets:
#   IFREP_REPO        absolute path of the repository
#   IFREP_KVER        kernel version the VMs boot (/boot/vmlinuz-$IFREP_KVER)
#   IFREP_INITRD      initramfs built by tests/vm/mkinitramfs
#   IFREP_KERNEL_IMAGE  what -kernel boots (tests/vm/unpack-kernel; default
#                     /boot/vmlinuz-$IFREP_KVER)
#   IFREP_HOST_MODE   1: run on the host kernel with loop devices (tests/run --host)
#   IFREP_RUNNER_PID  qemu is killed when this process is gone
#   CASE_NAME, CASE_DIR  the case and its results directory (also the cwd)
#
# Per VM, $CASE_DIR/NAME/ holds: disk1.img.., console.log, qemu.log,
# dmesg.txt, and ctl/ (the guest's /ctl: cmd/N.sh|out|rc, out/, vm.env).

IFREP_BOOT_TIMEOUT=${IFREP_BOOT_TIMEOUT:-120}
IFREP_DISK_CACHE=${IFREP_DISK_CACHE:-none}
# Kernel messages that fail a case, wherever they show up.
IFREP_SPLAT='WARNING:|BUG:|(^|[^A-Za-z])BUG |Oops|KASAN|KFENCE|UBSAN|blocked for more than|Objects remaining|kernel BUG|general protection fault|Call Trace|Poison overwritten|Redzone overwritten|memory corruption|possible circular locking|inconsistent lock state|sleeping function called from invalid context'
# Every VM runs with the allocators checking: redzones, poisoning and
# sanity checks of every slab, poisoned free pages.  A report fails the case.
IFREP_DEBUG_APPEND=${IFREP_DEBUG_APPEND-slub_debug=FZPU page_poison=1}
# The debug kernel (K-ifrep-debug, make debug-kernel) boots with these
# instead: KASAN checks every slab and page access (redzones, use after
# free) more precisely than slub_debug and page poisoning, which would only
# halve its speed.  It needs more memory for the same work (KASAN's shadow
# is 1/8 of it, its quarantine holds freed objects back): its VMs get
# IFREP_DEBUG_KERNEL_MEM MiB more than asked for.
IFREP_DEBUG_KERNEL_APPEND=${IFREP_DEBUG_KERNEL_APPEND-}
IFREP_DEBUG_KERNEL_MEM=${IFREP_DEBUG_KERNEL_MEM:-256}

# ---------------------------------------------------------------- outcome

_log() { printf '%(%T)T %s\n' -1 "$*" >&2; }

# The first recorded failure is the one tests/run reports.
_record_fail() {
	[[ -e $CASE_DIR/.fail ]] || printf '%s\n' "$*" >"$CASE_DIR/.fail"
	_log "FAIL: $*"
}

fail() {
	_record_fail "$*"
	exit 1
}

# say TEXT...: a line of the demonstration's narrative (make demo prints
# these); in tests it only goes to the case log.
say() {
	printf '%s\n' "$*" >>"$CASE_DIR/narrative.log"
	_log "say: $*"
}

skip() {
	printf '%s\n' "$*" >"$CASE_DIR/.skip"
	_log "SKIP: $*"
	exit 77
}

# ERR trap: record where an unhandled command failed (top level of the case
# shell only: a failing $(...) is reported again by the command using it).
# The innermost call site in the case file is reported, with its source line.
_on_err() {
	local rc=$1 cmd=$2 src=${BASH_SOURCE[1]-} line=${BASH_LINENO[0]} msg i
	((BASH_SUBSHELL == 0)) || return 0
	[[ -e $CASE_DIR/.skip ]] && return 0
	for ((i = 0; i + 1 < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i + 1]} == "${CASE_FILE-}" ]]; then
			src=$CASE_FILE line=${BASH_LINENO[i]}
			cmd=$(sed -n "${line}{s/^[[:space:]]*//;p;}" "$src")
			break
		fi
	done
	msg="${src##*/}:$line: $cmd (exit $rc)"
	if [[ $cmd == *vm_* && -s $CASE_DIR/.lastvmfail ]]; then
		msg+=": $(<"$CASE_DIR/.lastvmfail")"
	fi
	_record_fail "$msg"
}

# Fail the case if FILE holds a kernel splat; show its context in the log.
_scan_kernel_log() {
	local file=$1 line seen
	[[ -s $file ]] || return 0
	line=$(grep -E -n -m1 -e "$IFREP_SPLAT" "$file") || return 0
	# Report each splat once, however often the file is scanned.
	seen="$file:${line%%:*}"
	grep -qxF -- "$seen" "$CASE_DIR/.splats" 2>/dev/null && return 1
	local shown=0
	grep -qF -- "${file%/*}/" "$CASE_DIR/.splats" 2>/dev/null && shown=1
	echo "$seen" >>"$CASE_DIR/.splats"
	_record_fail "kernel problem in ${file#"$CASE_DIR"/}:${line%%:*}: ${line#*:}"
	((shown)) && return 1
	tail -n "+$((${line%%:*} > 10 ? ${line%%:*} - 10 : 1))" "$file" | head -n 50 | sed 's/^/  | /' >&2
	return 1
}

# ---------------------------------------------------------------- VM state

_vmdir() {
	[[ $1 =~ ^[a-z][a-z0-9_-]*$ ]] || fail "bad VM name '$1' (use [a-z][a-z0-9_-]*)"
	printf '%s\n' "$CASE_DIR/$1"
}

_vm_state() { cat "$CASE_DIR/$1/state" 2>/dev/null || echo none; }

_pid_alive() {
	local stat
	[[ -n $1 ]] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# Is the VM's qemu (or, with --host, the pseudo VM) still there?
_vm_alive() {
	[[ $IFREP_HOST_MODE == 1 ]] && return 0
	_pid_alive "$(cat "$CASE_DIR/$1/pid" 2>/dev/null)"
}

_require_running() {
	[[ $(_vm_state "$1") == running ]] || fail "VM $1 is not running (state: $(_vm_state "$1"))"
}

_console_tail() {
	local vmdir=$CASE_DIR/$1
	_log "last lines of $1/console.log:"
	tail -n "${2:-25}" "$vmdir/console.log" 2>/dev/null | sed 's/^/  | /' >&2
	if [[ -s $vmdir/qemu.log ]]; then
		_log "last lines of $1/qemu.log:"
		tail -n 5 "$vmdir/qemu.log" | sed 's/^/  | /' >&2
	fi
}

# ---------------------------------------------------------------- start

# vm_start NAME [--disk SIZE]... [--net LINK]... [--mem MB] [--no-module] [--append ARGS]
#          [--init systemd] [--link-down]
vm_start() {
	local name=${1:?usage: vm_start NAME [options]} vmdir
	shift
	vmdir=$(_vmdir "$name") || exit 1
	local -a args=("$@") disks=()
	local -a nets=()
	local mem=768 module=1 append='' init='' link_down=0 i
	while (($#)); do
		case $1 in
		--disk) disks+=("${2:?--disk SIZE}") && shift 2 ;;
		--net) nets+=("${2:?--net LINK}") && shift 2 ;;
		--mem) mem=${2:?--mem MB} && shift 2 ;;
		--append) append=${2:?--append ARGS} && shift 2 ;;
		--no-module) module=0 && shift ;;
		--init)
			[[ ${2-} == systemd ]] || fail "vm_start: --init takes 'systemd'"
			init=systemd && shift 2 ;;
		--link-down) link_down=1 && shift ;;
		*) fail "vm_start: unknown option '$1'" ;;
		esac
	done
	[[ $(_vm_state "$name") != running ]] || fail "vm_start: VM $name is already running"
	local debug_append=$IFREP_DEBUG_APPEND
	if [[ ${IFREP_KVER-} == *-ifrep-debug ]]; then
		mem=$((mem + IFREP_DEBUG_KERNEL_MEM))
		debug_append=$IFREP_DEBUG_KERNEL_APPEND
	fi

	mkdir -p "$vmdir/ctl/cmd" "$vmdir/ctl/out"
	declare -p args >"$vmdir/args"
	if [[ ! -e $vmdir/index ]]; then
		local n=0 f
		for f in "$CASE_DIR"/*/index; do [[ -e $f ]] && n=$((n + 1)); done
		echo "$n" >"$vmdir/index"
	fi
	local index
	index=$(<"$vmdir/index")
	for i in "${!disks[@]}"; do
		[[ -e $vmdir/disk$((i + 1)).img ]] || truncate -s "${disks[i]}" "$vmdir/disk$((i + 1)).img" ||
			fail "vm_start: cannot create disk $((i + 1)) of size ${disks[i]}"
	done
	if ((module)); then
		local ko=$IFREP_REPO/dm-ifrep/dm-ifrep.ko vermagic kver=$IFREP_KVER
		[[ $IFREP_HOST_MODE == 1 ]] && kver=$(uname -r)
		[[ -f $ko ]] || fail "dm-ifrep/dm-ifrep.ko is not built: run make first ('make check' builds it)"
		vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null) || true
		[[ ${vermagic%% *} == "$kver" ]] ||
			fail "dm-ifrep/dm-ifrep.ko is built for '${vermagic%% *}', not for the kernel $kver"
	fi

	local peer_addr='' vm_addr=''
	if [[ $IFREP_HOST_MODE == 1 ]]; then
		[[ -z $init && $link_down == 0 ]] || skip "vm_start --init/--link-down: not possible with --host"
		_host_vm_start "$name" "${#disks[@]}" "$module"
		return
	fi

	# One NIC per --net, in order (eth0 is the first).  The case's Nth link
	# (from 0, in the order they were first joined) is 169.254.(77+N).0/24;
	# the guest finds each NIC by its MAC address.
	local -a netargs=(-nic none) linkenv=()
	local k slot lport rport linkno addr peer mac nics=''
	for k in "${!nets[@]}"; do
		slot='' rport=''
		read -r slot lport rport linkno < <(_link_join "${nets[k]}" "$name") || true
		[[ -n $rport ]] || fail "vm_start: cannot join link ${nets[k]} (a link joins two VMs)"
		addr=169.254.$((77 + linkno)).$((slot + 1))
		peer=169.254.$((77 + linkno)).$((2 - slot))
		((k > 0)) || vm_addr=$addr peer_addr=$peer
		mac=52:54:00:$(printf %02x $((0x77 + k))):00:$(printf %02x $((index + 1)))
		netargs+=(-netdev "socket,id=n$k,udp=127.0.0.1:$rport,localaddr=127.0.0.1:$lport"
			-device "virtio-net-pci,netdev=n$k,mac=$mac")
		nics+="$mac=$addr "
		linkenv+=("ADDR_${nets[k]}=$addr" "PEER_${nets[k]}=$peer")
	done
	cat >"$vmdir/ctl/vm.env" <<-EOF
		VM_NAME=$name
		VM_INDEX=$index
		VM_ADDR=$vm_addr
		PEER_ADDR=$peer_addr
		NICS="$nics"
		$(printf '%s\n' "${linkenv[@]}")
		NDISKS=${#disks[@]}
		LOAD_MODULE=$module
		GUEST_MODULES="${IFREP_GUEST_MODULES:-}"
		LINK_DOWN=$link_down
	EOF
	# systemd as PID 1: tests/vm/guest-init sets up /run and execs it; udev
	# must not rename eth0 (net.ifnames=0).
	if [[ $init == systemd ]]; then
		append="ifrep.init=systemd systemd.unit=ifrep-test.target net.ifnames=0 $append"
	fi

	# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer
	# check can miss its ticks and panic the boot ("IO-APIC + timer doesn't
	# work"); the timer works, it is only slow to emulate.
	# shellcheck disable=SC2054 # commas belong to qemu options
	local -a q=(qemu-system-x86_64 -machine q35 -m "$mem" -smp 1 -nographic -no-reboot
		-monitor none -chardev "file,id=con,path=$vmdir/console.log,append=on" -serial chardev:con
		-kernel "${IFREP_KERNEL_IMAGE:-/boot/vmlinuz-$IFREP_KVER}" -initrd "$IFREP_INITRD"
		-append "console=ttyS0 loglevel=5 panic=-1 edd=off no_timer_check $debug_append ifrep.repo=$IFREP_REPO $append"
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
		-virtfs "local,path=$vmdir/ctl,mount_tag=ctl,security_model=none,multidevs=remap"
		"${netargs[@]}")
	[[ ${IFREP_KVM:-0} == 1 ]] && q+=(-enable-kvm -cpu host)
	for i in "${!disks[@]}"; do
		q+=(-drive "file=$vmdir/disk$((i + 1)).img,if=virtio,format=raw,cache=$IFREP_DISK_CACHE")
	done

	local boot pid='' t0=$EPOCHREALTIME f
	boot=$(($(cat "$vmdir/boot" 2>/dev/null || echo 0) + 1))
	echo "$boot" >"$vmdir/boot"
	rm -f "$vmdir/ctl/ready" "$vmdir/ctl/cmd/poweroff" "$vmdir/pid" "$vmdir"/ctl/cmd/*.pid
	# Commands of an earlier boot that never finished: vm_wait returns 255.
	for f in "$vmdir"/ctl/cmd/*.sh; do
		[[ -e $f && ! -e ${f%.sh}.rc ]] && echo 255 >"${f%.sh}.rc"
	done
	printf '\n===== boot %d of %s: %(%F %T)T =====\n' "$boot" "$name" -1 >>"$vmdir/console.log"
	printf '===== boot %d: %s\n' "$boot" "${q[*]}" >>"$vmdir/qemu.log"
	_log "vm_start $name ${args[*]} (boot $boot)"
	# qemu runs in its own session (a timed-out case's process group is
	# killed, its VMs are stopped afterwards) under a small keeper that reaps
	# it, logs its exit status and kills it if the test runner goes away.
	# shellcheck disable=SC2016 # expanded by the keeper
	setsid -f bash -c '"${@:3}" </dev/null >>"$1/qemu.log" 2>&1 &
		q=$!
		echo $q >"$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
		while kill -0 $q 2>/dev/null; do
			kill -0 "$2" 2>/dev/null || { kill -9 $q; break; }
			sleep 1
		done
		wait $q
		echo "===== qemu exit status $?" >>"$1/qemu.log"' \
		ifrep-vm-keeper "$vmdir" "${IFREP_RUNNER_PID:-$$}" "${q[@]}" </dev/null >/dev/null 2>&1
	for i in {1..100}; do
		pid=$(cat "$vmdir/pid" 2>/dev/null) && [[ -n $pid ]] && break
		sleep 0.1
	done
	[[ -n $pid ]] || fail "VM $name: qemu did not start (see $name/qemu.log)"
	echo running >"$vmdir/state"

	local deadline=$((SECONDS + IFREP_BOOT_TIMEOUT)) ready=''
	while :; do
		ready=$(cat "$vmdir/ctl/ready" 2>/dev/null) && [[ -n $ready ]] && break
		if ! _pid_alive "$pid"; then
			echo dead >"$vmdir/state"
			_console_tail "$name"
			fail "VM $name died while booting (see $name/console.log)"
		fi
		if ((SECONDS >= deadline)); then
			kill -9 "$pid" 2>/dev/null
			echo dead >"$vmdir/state"
			_console_tail "$name"
			fail "VM $name did not come up within ${IFREP_BOOT_TIMEOUT}s (see $name/console.log)"
		fi
		sleep 0.1
	done
	local t=$((${EPOCHREALTIME/./} - ${t0/./}))
	[[ $ready == ok ]] || fail "VM $name: $ready"
	_log "VM $name up in $((t / 1000000)).$((t / 100000 % 10))s (index $index${vm_addr:+, $vm_addr})"
}

# _link_join LINK NAME -> "SLOT LOCAL_PORT REMOTE_PORT LINK_NUMBER"
# A link is a pair of UDP ports on 127.0.0.1; each VM sends to the other's.
# The first VM started on it gets slot 0 (169.254.77.1 on the case's first
# link), the second slot 1.  Datagrams need no connection, so either VM can
# be killed and restarted.
_link_join() {
	local link=$1 name=$2 f=$CASE_DIR/.link-$1
	[[ $link =~ ^[A-Za-z0-9_]+$ ]] || fail "bad link name '$link' (letters, digits, _)"
	(
		flock 8
		local ports='' members=() port p used linkno
		if [[ -s $f ]]; then
			{ read -r port p linkno; mapfile -t members; } <"$f"
			ports="$port $p"
		fi
		if [[ -z $ports ]]; then
			linkno=$(find "$CASE_DIR" -maxdepth 1 -name '.link-*' ! -name '*.lock' -size +0 | wc -l)
			((linkno < 100)) || exit 1
			used=$(ss -Huan 2>/dev/null)
			for _ in {1..50}; do
				port=$((20000 + 2 * (RANDOM % 5000)))
				for p in $port $((port + 1)); do
					[[ $used == *":$p "* ]] && continue 2
				done
				ports="$port $((port + 1))"
				break
			done
			[[ -n $ports ]] || exit 1
		fi
		local slot=-1 i
		for i in "${!members[@]}"; do [[ ${members[i]} == "$name" ]] && slot=$i; done
		if ((slot < 0)); then
			((${#members[@]} < 2)) || exit 1
			slot=${#members[@]}
			members+=("$name")
		fi
		printf '%s\n' "$ports $linkno" "${members[@]}" >"$f"
		read -r -a p <<<"$ports"
		echo "$slot ${p[slot]} ${p[1 - slot]} $linkno"
	) 8>>"$f.lock"
}

# vm_restart NAME: boot again with the options and disks of the last start.
vm_restart() {
	local name=${1:?usage: vm_restart NAME} vmdir
	vmdir=$(_vmdir "$name") || exit 1
	[[ $IFREP_HOST_MODE == 1 ]] && skip "needs power-cut (vm_restart): not possible with --host"
	[[ -e $vmdir/args ]] || fail "vm_restart: VM $name was never started"
	[[ $(_vm_state "$name") != running ]] || fail "vm_restart: VM $name is running (vm_kill or vm_stop it first)"
	local -a args
	# shellcheck source=/dev/null
	. "$vmdir/args"
	vm_start "$name" "${args[@]}"
}

# ---------------------------------------------------------------- commands

# _vm_submit NAME [SCRIPT...]: queue a command; sets _VM_H=NAME:N.
_vm_submit() {
	local name=${1:?VM name missing} vmdir script n
	vmdir=$(_vmdir "$name") || exit 1
	shift
	_require_running "$name"
	if (($#)); then script="$*"; else script=$(cat); fi
	n=$( (
		flock 8
		n=$(($(cat "$vmdir/seq" 2>/dev/null || echo 0) + 1))
		echo "$n" >"$vmdir/seq"
		echo "$n"
	) 8>>"$vmdir/seq.lock")
	printf '%s\n' "$script" >"$vmdir/ctl/cmd/$n.sh.tmp"
	mv "$vmdir/ctl/cmd/$n.sh.tmp" "$vmdir/ctl/cmd/$n.sh"
	[[ $IFREP_HOST_MODE == 1 ]] && _host_exec "$vmdir" "$n"
	local first=${script#"${script%%[![:space:]]*}"}
	first=${first%%$'\n'*}
	[[ $script == *$'\n'*[![:space:]]* ]] && first+=" ..."
	_log "[$name#$n] \$ $first"
	_VM_H=$name:$n
}

# _vm_wait HANDLE [TIMEOUT_S]: print the command's output as it comes, return
# its exit code (255: the VM was killed or died, 124: timeout).
_vm_wait() {
	local name=${1%%:*} n=${1##*:} vmdir out rcf off=0 size done=0 rc
	vmdir=$CASE_DIR/$name
	out=$vmdir/ctl/cmd/$n.out
	rcf=$vmdir/ctl/cmd/$n.rc
	local deadline=$((SECONDS + ${2:-1000000000}))
	while :; do
		[[ -e $rcf ]] && done=1
		size=$(stat -c %s "$out" 2>/dev/null) || size=0
		if ((size > off)); then
			tail -c "+$((off + 1))" "$out" | head -c "$((size - off))"
			off=$size
		fi
		((done)) && break
		if ! _vm_alive "$name"; then
			if [[ $(_vm_state "$name") == killed ]]; then
				_log "[$name#$n] no exit code: VM $name was killed"
			else
				_console_tail "$name"
				_record_fail "VM $name died while running command #$n (see $name/console.log)"
			fi
			echo "$name#$n: VM gone" >"$CASE_DIR/.lastvmfail"
			return 255
		fi
		if ((SECONDS >= deadline)); then
			_log "[$name#$n] timed out after ${2}s"
			return 124
		fi
		sleep 0.1
	done
	((size == 0)) || [[ $(tail -c 1 "$out") == '' ]] || echo
	rc=$(<"$rcf")
	if ((rc != 0)); then
		_log "[$name#$n] exit $rc"
		echo "$name#$n: $(grep -v '^[[:space:]]*$' "$out" 2>/dev/null | tail -n 1)" >"$CASE_DIR/.lastvmfail"
	fi
	return "$rc"
}

# vm_run NAME [SCRIPT...]: run a bash script in the guest (the arguments,
# joined by spaces like ssh does, or stdin); print its output; return its
# exit code.
vm_run() {
	_vm_submit "$@" || exit 1
	_vm_wait "$_VM_H"
}

# vm_run_bg NAME [SCRIPT...]: start a command; prints a handle for vm_wait.
vm_run_bg() {
	_vm_submit "$@" || exit 1
	echo "$_VM_H"
}

# vm_wait HANDLE: print the output of a vm_run_bg command, return its exit code.
vm_wait() {
	[[ ${1:-} == *:* ]] || fail "vm_wait: bad handle '${1:-}'"
	_vm_wait "$1"
}

# vm_copy_out NAME GUEST_PATH HOST_PATH: copy a file (or device contents, or
# a directory) out of the guest.  GUEST_PATH is expanded by the guest shell.
vm_copy_out() {
	local name=${1:?usage: vm_copy_out NAME GUEST_PATH HOST_PATH} src=${2:?} dst=${3:?} tmp
	tmp=.copy.$BASHPID.$RANDOM
	vm_run "$name" "# vm_copy_out $src $dst
		src=\"$src\"; if [[ -d \$src ]]; then cp -a -- \"\$src\" \"\$OUT/$tmp\";
		else cat -- \"\$src\" >\"\$OUT/$tmp\"; fi" || return
	mv -- "$CASE_DIR/$name/ctl/out/$tmp" "$dst"
}

# ---------------------------------------------------------------- stop

# Guest side of vm_stop: end leftover commands, remove ifrep devices, unload.
_STOP_SCRIPT='# vm_stop: end commands, remove ifrep devices, rmmod dm_ifrep
self=$(cut -d" " -f5 /proc/$$/stat) # our process group: a pid file holds one
for p in "$CTL"/cmd/*.pid; do
	[[ -e $p ]] || continue
	pid=$(<"$p") || continue
	[[ $pid != "$self" ]] || continue
	kill -KILL -- "-$pid" 2>/dev/null && echo "killed leftover command ${p##*/}"
done
# A case that failed with a filesystem mounted on a device: end its users, unmount it.
while read -r src m _; do
	[[ $src == /dev/mapper/* || $src == /dev/dm-* ]] || continue
	fuser -km "$m" >/dev/null 2>&1 || true
	umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	echo "unmounted leftover $m"
done < <(sort -r -k 2 /proc/mounts)
# the volumes and their copy devices (target ifrep-copy)
ifrep_devs() { { dmsetup table --target ifrep; dmsetup table --target ifrep-copy; } 2>/dev/null | sed -n "s/^\([^:]*\): .*/\1/p" | sort -u || true; }
# remove_dm NAME: remove a device-mapper device, after those stacked on it.
remove_dm() {
	local h dev
	dev=$(dmsetup info -c --noheadings -o major,minor --separator : "$1" 2>/dev/null | tr -d " ")
	for h in "/sys/dev/block/$dev/holders"/dm-*; do
		[[ -e $h/dm/name ]] && remove_dm "$(<"$h/dm/name")"
	done
	dmsetup remove --noudevsync "$1" 2>/dev/null && echo "removed leftover device $1"
}
for _ in {1..20}; do
	devs=$(ifrep_devs)
	[[ -n $devs ]] || break
	for d in $devs; do remove_dm "$d" || true; done
	[[ -n $(ifrep_devs) ]] || break
	sleep 0.5
done
devs=$(ifrep_devs)
if [[ -n $devs ]]; then
	dmsetup info -c || true
	for d in $devs; do dmsetup remove --noudevsync "$d" || true; done
	die "cannot remove ifrep device(s):" $devs
fi
if [[ -e /sys/module/dm_ifrep ]]; then
	rmmod dm_ifrep || die "rmmod dm_ifrep failed"
fi'

# vm_stop NAME: clean shutdown with checks; returns non-zero (and fails the
# case) if the cleanup, rmmod or the kernel log found a problem.
vm_stop() {
	local name=${1:?usage: vm_stop NAME} vmdir rc=0 bad=0 boot script=dmesg
	vmdir=$(_vmdir "$name") || exit 1
	[[ $(_vm_state "$name") == running ]] || return 0
	boot=$(cat "$vmdir/boot" 2>/dev/null || echo 1)
	_vm_submit "$name" "$_STOP_SCRIPT" || exit 1
	_vm_wait "$_VM_H" 60 || rc=$?
	case $rc in
	0) ;;
	255) bad=1 ;; # the VM died: _vm_wait reported it
	124)
		_record_fail "VM $name: the cleanup at vm_stop hangs (blocked tasks: $name/dmesg.txt)"
		script='echo w >/proc/sysrq-trigger; dmesg'
		bad=1
		;;
	*)
		_record_fail "VM $name: cleanup at vm_stop failed: $(sed "s/^[^:]*: *//" "$CASE_DIR/.lastvmfail" 2>/dev/null)"
		bad=1
		;;
	esac
	if [[ $IFREP_HOST_MODE == 1 ]]; then
		_host_vm_stop "$name" || bad=1
		return "$bad"
	fi
	if ((rc != 255)); then
		{
			echo "===== boot $boot"
			_vm_submit "$name" "$script" 2>/dev/null && _vm_wait "$_VM_H" 20
		} >>"$vmdir/dmesg.txt" || true
	fi
	local i pid
	pid=$(<"$vmdir/pid")
	if ((rc != 124)); then
		: >"$vmdir/ctl/cmd/poweroff"
		for ((i = 0; i < 300; i++)); do
			_pid_alive "$pid" || break
			sleep 0.1
		done
	fi
	if _pid_alive "$pid"; then
		kill -9 "$pid"
		((rc == 124)) || _record_fail "VM $name did not power off"
		bad=1
	fi
	echo stopped >"$vmdir/state"
	rm -f "$vmdir/ctl/cmd/poweroff"
	# The console shows a subset of dmesg: scan it when dmesg is clean.
	_scan_kernel_log "$vmdir/dmesg.txt" && _scan_kernel_log "$vmdir/console.log" || bad=1
	_log "VM $name stopped"
	return "$bad"
}

# vm_kill NAME: power cut (SIGKILL qemu).  vm_restart boots it again.
vm_kill() {
	local name=${1:?usage: vm_kill NAME} pid i
	_vmdir "$name" >/dev/null || exit 1
	[[ $IFREP_HOST_MODE == 1 ]] && skip "needs power-cut (vm_kill): not possible with --host"
	_require_running "$name"
	pid=$(<"$CASE_DIR/$name/pid")
	echo killed >"$CASE_DIR/$name/state"
	kill -9 "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_pid_alive "$pid" || break
		sleep 0.1
	done
	_pid_alive "$pid" && fail "vm_kill: qemu of VM $name (pid $pid) does not die"
	_log "VM $name killed (power cut)"
}

# Called when the case shell exits, whatever the reason: stop every VM.
_case_end() {
	local rc=$? f name stops=()
	trap - ERR
	set +e
	for f in "$CASE_DIR"/*/state; do
		name=${f%/state} && name=${name##*/}
		[[ $(_vm_state "$name") == running ]] || continue
		if ((rc == 143)) && [[ $IFREP_HOST_MODE != 1 ]]; then
			# Timed out: put the blocked tasks' stacks in dmesg first.
			_log "case terminated: dumping blocked tasks of VM $name"
			_vm_submit "$name" 'echo w >/proc/sysrq-trigger' 2>/dev/null && _vm_wait "$_VM_H" 10
			if (($? == 124)); then
				_record_fail "VM $name does not respond: killed it"
				kill -9 "$(<"$CASE_DIR/$name/pid")"
				echo dead >"$CASE_DIR/$name/state"
				continue
			fi
		fi
		# The VMs stop side by side: each stop is mostly waiting for its
		# guest (a few seconds), and a failure is recorded in the case's
		# files, not returned.
		if [[ $IFREP_HOST_MODE == 1 ]]; then
			vm_stop "$name"
		else
			vm_stop "$name" &
			stops+=($!)
		fi
	done
	((${#stops[@]} == 0)) || wait "${stops[@]}"
	for f in "$CASE_DIR"/*/console.log; do
		[[ -e $f ]] && _scan_kernel_log "$f"
	done
	exit "$rc"
}

# The case shell: tests/run runs it as
#   bash -c '. tests/lib/host.sh; _case_main CASEFILE'
_case_main() {
	set -eEuo pipefail
	CASE_FILE=$1
	trap '_on_err $? "$BASH_COMMAND"' ERR
	trap _case_end EXIT
	trap 'exit 143' TERM INT HUP
	cd "$CASE_DIR"
	# shellcheck source=/dev/null
	. "$1"
	declare -F test_case >/dev/null || fail "$1 defines no test_case function"
	if [[ $IFREP_HOST_MODE == 1 ]]; then _log "case $CASE_NAME: start (host mode)"; else _log "case $CASE_NAME: start"; fi
	test_case
	_log "case $CASE_NAME: end"
}

# ---------------------------------------------------------------- --host mode

# One pseudo VM on the running kernel: loop devices over the disk files,
# commands run locally with the same environment and helpers as in a VM.
_host_vm_start() {
	local name=$1 ndisks=$2 module=$3 vmdir=$CASE_DIR/$1 i loop
	[[ $(cat "$vmdir/index") == 0 ]] || skip "needs 2 VMs: not possible with --host"
	[[ $EUID == 0 ]] || skip "--host needs root"
	modprobe dm-mod 2>/dev/null || skip "host kernel cannot load modules (modprobe dm-mod failed)"
	modprobe loop 2>/dev/null || true
	{
		echo "VM_NAME=$name"
		echo "VM_INDEX=0"
		echo "VM_ADDR="
		echo "PEER_ADDR="
		echo "NDISKS=$ndisks"
		echo "OUT=$vmdir/ctl/out"
		echo "CTL=$vmdir/ctl"
		echo "REPO=$IFREP_REPO"
	} >"$vmdir/ctl/vm.env"
	: >"$vmdir/loops"
	for ((i = 1; i <= ndisks; i++)); do
		loop=$(losetup -f --show "$vmdir/disk$i.img") || fail "losetup of $name/disk$i.img failed"
		echo "$loop" >>"$vmdir/loops"
		echo "DISK$i=$loop" >>"$vmdir/ctl/vm.env"
	done
	if ((module)) && [[ ! -e /sys/module/dm_ifrep ]]; then
		insmod "$IFREP_REPO/dm-ifrep/dm-ifrep.ko" || fail "insmod dm-ifrep.ko failed on the host kernel"
	fi
	local marker="ifrep-test: $CASE_NAME/$name start $$.$RANDOM"
	echo "$marker" >"$vmdir/kmsg-marker"
	echo "$marker" >/dev/kmsg 2>/dev/null || true
	echo running >"$vmdir/state"
	_log "host VM $name ready: disks $(tr '\n' ' ' <"$vmdir/loops")"
}

# Run command N of the pseudo VM in the background, like the guest agent.
_host_exec() {
	local vmdir=$1 n=$2
	# shellcheck disable=SC2016 # expanded by the inner shells
	setsid -f bash -c 'd=$1 n=$2
		set -a; . "$d/../vm.env"; set +a
		export PATH=$REPO/tools/ifrepctl:$PATH DM_DISABLE_UDEV=1 HOME=${HOME:-/tmp}
		echo $$ >"$d/$n.pid"
		(cd /tmp && exec bash -c "set -euo pipefail; . \"\$REPO/tests/lib/guest.sh\"; . \"\$1\"" \
			ifrep-cmd "$d/$n.sh") </dev/null >"$d/$n.out" 2>&1
		rc=$?
		rm -f "$d/$n.pid"
		echo $rc >"$d/$n.rc.tmp" && mv -f "$d/$n.rc.tmp" "$d/$n.rc"' \
		ifrep-host-cmd "$vmdir/ctl/cmd" "$n" </dev/null >/dev/null 2>&1
}

_host_vm_stop() {
	local name=$1 vmdir=$CASE_DIR/$1 loop marker bad=0
	marker=$(cat "$vmdir/kmsg-marker" 2>/dev/null)
	dmesg 2>/dev/null | awk -v m="$marker" 'f || index($0, m) { f = 1; print }' >>"$vmdir/dmesg.txt"
	while read -r loop; do
		[[ -n $loop ]] && { losetup -d "$loop" || bad=1; }
	done <"$vmdir/loops"
	echo stopped >"$vmdir/state"
	_scan_kernel_log "$vmdir/dmesg.txt" || bad=1
	_log "host VM $name stopped"
	return "$bad"
}
