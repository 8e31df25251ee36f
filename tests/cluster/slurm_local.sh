# A private single-node Slurm cluster on localhost, for tests (sourced by test_slurm.sh).
#
#   slurm_local_start DIR   munged, slurmctld and slurmd with config, state, spool, logs,
#                           munge key and socket all under DIR, on free ports, as the
#                           current user; exports SLURM_CONF. Returns non-zero with the
#                           reason in $slurm_local_problem when it cannot start.
#   slurm_local_stop        cancels this cluster's jobs, stops the daemons it started (by
#                           their process ids) and removes the socket directory, if any
#                           was made outside DIR.
#
# Minimal configuration: proctrack/linuxproc, task/none, no cgroups, no accounting, one
# partition, the node's CPUs as cons_tres CPUs. Nothing outside DIR is read or written
# that a system Slurm or munge uses (their default ports, sockets, /etc, /var, /run).

slurm_local_problem=""
slurm_local_pids=()
slurm_local_socket_dir=""

slurm_local_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_local_reachable_by_all() {  # DIR: every directory up to / searchable by others
  local d perms
  d=$(cd "$1" && pwd)
  while [ "$d" != / ]; do
    perms=$(stat -c %A "$d")
    case ${perms:9:1} in x | t) ;; *) return 1 ;; esac
    d=$(dirname "$d")
  done
}

slurm_local_wait_file() {  # FILE SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

slurm_local_start() {
  local dir=$1 user host cpus ctld_port slurmd_port socket
  user=$(id -un)
  host=$(hostname -s)
  cpus=$(nproc)
  mkdir -p "$dir"/{etc,state,spool,log,run,munge}
  chmod 700 "$dir/munge"
  chmod 755 "$dir/run"

  # munged wants its socket's directory reachable by everyone (and its key private), and
  # a Unix socket path has at most 107 bytes. A build directory that is too deep or
  # private gets a socket directory from mktemp instead.
  socket=$dir/run/munge.socket
  if [ ${#socket} -gt 100 ] || ! slurm_local_reachable_by_all "$dir/run"; then
    slurm_local_socket_dir=$(mktemp -d /tmp/attnviz-munge.XXXXXX)
    chmod 755 "$slurm_local_socket_dir"
    socket=$slurm_local_socket_dir/munge.socket
    echo "slurm_local: $dir is too deep or private for munge's socket; it is $socket" >&2
  fi
  if ! mungekey --create --keyfile="$dir/munge/munge.key" 2>"$dir/log/mungekey.log"; then
    slurm_local_problem="mungekey failed: $(tail -n 3 "$dir/log/mungekey.log")"
    return 1
  fi
  if ! munged --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/run/munged.pid" \
      --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" 2>"$dir/log/munged.stderr"; then
    slurm_local_problem="munged cannot start: $(tail -n 2 "$dir/log/munged.stderr")"
    return 1
  fi
  if ! slurm_local_wait_file "$dir/run/munged.pid" 10; then
    slurm_local_problem="munged wrote no pid file: $(tail -n 3 "$dir/log/munged.log" 2>/dev/null)"
    return 1
  fi
  slurm_local_pids+=("$(cat "$dir/run/munged.pid")")

  ctld_port=$(slurm_local_free_port)
  slurmd_port=$(slurm_local_free_port)
  cat > "$dir/etc/slurm.conf" <<EOF
ClusterName=attnviztest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/etc/slurm.conf

  if ! slurmctld 2>"$dir/log/slurmctld.stderr" || ! slurm_local_wait_file "$dir/run/slurmctld.pid" 10; then
    slurm_local_problem="slurmctld cannot start: $(cat "$dir/log/slurmctld.stderr"; tail -n 2 "$dir/log/slurmctld.log" 2>/dev/null)"
    return 1
  fi
  slurm_local_pids+=("$(cat "$dir/run/slurmctld.pid")")
  if ! slurmd -N "$host" 2>"$dir/log/slurmd.stderr" || ! slurm_local_wait_file "$dir/run/slurmd.pid" 10; then
    slurm_local_problem="slurmd cannot start: $(cat "$dir/log/slurmd.stderr"; tail -n 2 "$dir/log/slurmd.log" 2>/dev/null)"
    return 1
  fi
  slurm_local_pids+=("$(cat "$dir/run/slurmd.pid")")

  # Up when the node has registered and is idle.
  local i state=""
  for ((i = 0; i < 300; i++)); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.1
  done
  slurm_local_problem="the node did not become idle in 30 s (state '$state'): $(tail -n 3 "$dir/log/slurmd.log" 2>/dev/null)"
  return 1
}

slurm_local_stop() {
  local pid i j
  if [ -n "${SLURM_CONF:-}" ] && [ ${#slurm_local_pids[@]} -ge 3 ]; then
    # Jobs still running (a failed test) end before their slurmd does.
    scancel --signal=KILL --full --quiet "--user=$(id -un)" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  # slurmd, slurmctld, then munged: the reverse of the start.
  for ((i = ${#slurm_local_pids[@]} - 1; i >= 0; i--)); do
    pid=${slurm_local_pids[i]}
    kill "$pid" 2>/dev/null || continue
    for ((j = 0; j < 50; j++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  slurm_local_pids=()
  if [ -n "$slurm_local_socket_dir" ]; then
    rm -rf "$slurm_local_socket_dir"
    slurm_local_socket_dir=""
  fi
}
