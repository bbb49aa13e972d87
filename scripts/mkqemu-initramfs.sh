#!/usr/bin/env bash
# Pack the extra initramfs archive of the "qemu" guest suite for kernel $1
# and append it to the test initramfs $2:
# Debian's qemu-system-x86_64 with every library ldd lists (at the same
# paths), its firmware (/usr/share/seabios, /usr/share/qemu), the kernel
# $1 again for the nested guest, and the nested guest's own initramfs
# (busybox, virtio_blk, scripts/guest/l2-init). The kernel unpacks
# concatenated archives in order, so guest.sh appends this one to the
# normal initramfs only for the suite that needs it (it adds ~25 MB
# compressed). Prints the path of the combined .cpio.gz.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
base=${2:?test initramfs}
kroot=$(okvm_kroot "$kver")
qemu=/usr/bin/qemu-system-x86_64
[ -x "$qemu" ] || { apt-get install -y -q qemu-system-x86 >&2 || die "no $qemu"; }
work="$OKVM_OUT/initramfs/$kver"
root="$work/qemu-root"
l2="$work/l2-root"
rm -rf "$root" "$l2"
mkdir -p "$root/okvm/qemu" "$root/usr/bin" "$root/usr/share"

# The VMM at its own path and its libraries where ldd finds them (the
# loader's built-in search path covers them; no ld.so.cache in the guest).
cp "$qemu" "$root$qemu"
for lib in $(ldd "$qemu" | grep -oE '/[^ ]+'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cp -aL /usr/share/seabios /usr/share/qemu "$root/usr/share/"
cp "$kroot/boot/vmlinuz-$kver" "$root/okvm/qemu/vmlinuz"
install -m 0644 "$OKVM_TOP/scripts/guest/qemu.sh" "$root/okvm/qemu/run.sh"

# The nested guest's initramfs: busybox, and virtio-pci and virtio_blk
# with what they depend on, where the kernel has them as modules (6.12
# builds virtio-pci in, 6.1 does not), decompressed, in load order.
mkdir -p "$l2"/{bin,proc,sys,dev,mods}
cp /bin/busybox "$l2/bin/busybox"
install -m 0755 "$OKVM_TOP/scripts/guest/l2-init" "$l2/init"
mods="$kroot/lib/modules/$kver/kernel"
want=(virtio_pci virtio_blk)
loaded=" "
while [ ${#want[@]} -gt 0 ]; do
	m=${want[0]}
	f=$(find "$mods" -name "$m.ko*" | head -n1)
	# Built in, or already listed: nothing to do.
	if [ -z "$f" ] || [[ $loaded == *" $m "* ]]; then
		want=("${want[@]:1}")
		continue
	fi
	missing=()
	for d in $(modinfo -F depends "$f" | tr , ' '); do
		[[ $loaded == *" $d "* ]] || missing+=("$d")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		want=("${missing[@]}" "${want[@]}")
		continue
	fi
	case "$f" in
	*.xz) xz -dc "$f" >"$l2/mods/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$l2/mods/$m.ko" ;;
	*) cp "$f" "$l2/mods/$m.ko" ;;
	esac
	echo "$m" >>"$l2/mods/order"
	loaded="$loaded$m "
	want=("${want[@]:1}")
done
# Built in (a debug kernel's config): nothing to load.
builtin="$kroot/lib/modules/$kver/modules.builtin"
[[ $loaded == *" virtio_blk "* ]] || grep -q '/virtio_blk\.ko$' "$builtin" 2>/dev/null ||
	die "virtio_blk not found in $kver"
(cd "$l2" && find . | cpio -o -H newc --quiet | gzip -1) >"$root/okvm/qemu/l2.cpio.gz"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/qemu.cpio.gz"
cat "$base" "$work/qemu.cpio.gz" >"$work/initramfs-qemu.cpio.gz"
echo "$work/initramfs-qemu.cpio.gz"
