#!/usr/bin/env bash
# Sets up (or updates) the course's JupyterHub on one Debian 12 server. Run as root from a clone of the
# repository at /srv/dl-course; running it again is safe and adds whatever is missing.
#
#   deploy/jupyterhub/setup.sh --students students.csv --instructors prof1,prof2 [--domain hub.example.edu]
#
#   --students FILE        CSV with a student_id column (other columns are ignored); one account each
#   --instructors A,B      instructor accounts (created if missing, added to the instructors group)
#   --domain NAME          serve https://NAME with Caddy (a certificate from Let's Encrypt); without it the
#                          hub listens on 127.0.0.1:8000 only
#   --remove-missing       take students who are no longer in the CSV out of the students group (they can
#                          no longer log in; their home folders are kept)
#
# New accounts get a random password, listed (id,password) in /root/dl-course-passwords.csv (mode 600).
# Details and the layout it creates: docs/jupyterhub.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COURSE_ID="${DL_COURSE_ID:-dl-course}"
GRADER="grader-${COURSE_ID}"
STUDENTS_GROUP="dl-students"
INSTRUCTORS_GROUP="dl-instructors"
EXCHANGE="/srv/nbgrader/exchange"
STATE="/srv/jupyterhub"
GRADER_HOME="/home/${GRADER}"
COURSE_ROOT="${GRADER_HOME}/${COURSE_ID}"
PASSWORDS="/root/dl-course-passwords.csv"

students_csv="" instructors="" domain="" remove_missing=0
while [ $# -gt 0 ]; do
  case "$1" in
    --students) students_csv="$2"; shift 2 ;;
    --instructors) instructors="$2"; shift 2 ;;
    --domain) domain="$2"; shift 2 ;;
    --remove-missing) remove_missing=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "error: run as root (sudo $0 ...)" >&2; exit 1; }
[ -n "$students_csv" ] || { echo "error: --students FILE is required (a CSV with a student_id column)" >&2; exit 2; }
[ -f "$students_csv" ] || { echo "error: $students_csv does not exist" >&2; exit 1; }

valid_id() {  # what useradd and nbgrader both accept (nbgrader uses '+' as a separator)
  [[ "$1" =~ ^[a-z][a-z0-9._-]{0,31}$ ]]
}

# Student ids from the CSV: the student_id column, header required, blank lines and spaces ignored.
read_students() {
  python3 - "$1" <<'EOF'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    reader = csv.DictReader(f)
    rows = list(reader)
if "student_id" not in (reader.fieldnames or []):
    sys.exit(f"error: {sys.argv[1]} has no student_id column (first line must be a header)")
for row in rows:
    if (row["student_id"] or "").strip():
        print(row["student_id"].strip())
EOF
}
student_text="$(read_students "$students_csv")" || exit 1
[ -n "$student_text" ] || { echo "error: $students_csv lists no student ids" >&2; exit 1; }
mapfile -t students <<< "$student_text"
for id in "${students[@]}"; do
  valid_id "$id" || { echo "error: invalid student id '$id' in $students_csv: lowercase letters, digits, . _ - only, starting with a letter, at most 32 characters" >&2; exit 1; }
done
IFS=',' read -r -a instructor_list <<< "$instructors"
for id in "${instructor_list[@]}"; do
  valid_id "$id" || { echo "error: invalid instructor name '$id'" >&2; exit 1; }
done

echo "== Debian packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git make python3.11 python3.11-venv python3-dev \
  build-essential bubblewrap >/dev/null
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null

echo "== course environment in $REPO (make install: Python packages, configurable-http-proxy)"
make -C "$REPO" install
# Students' servers run this environment: they may read it, but not the instructors' sources or history.
chmod 755 "$REPO"
for private in solutions .git grading; do
  [ -e "$REPO/$private" ] && chown -R root:root "$REPO/$private" && chmod 700 "$REPO/$private"
done

echo "== groups and accounts"
getent group "$STUDENTS_GROUP" >/dev/null || groupadd "$STUDENTS_GROUP"
getent group "$INSTRUCTORS_GROUP" >/dev/null || groupadd "$INSTRUCTORS_GROUP"
touch "$PASSWORDS" && chmod 600 "$PASSWORDS"
new_account() {  # name group
  if ! id "$1" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash --groups "$2" "$1"
    local password
    password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
    echo "$1:$password" | chpasswd
    echo "$1,$password" >> "$PASSWORDS"
    echo "created $1"
  else
    usermod --append --groups "$2" "$1"
  fi
  chmod 700 "$(getent passwd "$1" | cut -d: -f6)"  # nobody reads another user's work
}
for id in "${students[@]}"; do new_account "$id" "$STUDENTS_GROUP"; done
for id in "${instructor_list[@]}"; do new_account "$id" "$INSTRUCTORS_GROUP"; done
current="$(getent group "$STUDENTS_GROUP" | cut -d: -f4 | tr ',' '\n')"
for id in $current; do
  if ! printf '%s\n' "${students[@]}" | grep -qx "$id"; then
    if [ "$remove_missing" = 1 ]; then
      gpasswd --delete "$id" "$STUDENTS_GROUP" >/dev/null && echo "removed $id from $STUDENTS_GROUP"
    else
      echo "note: $id is in $STUDENTS_GROUP but not in $students_csv (--remove-missing takes them out)"
    fi
  fi
done

echo "== grading account $GRADER and its course folder $COURSE_ROOT"
id "$GRADER" >/dev/null 2>&1 || useradd --system --create-home --home-dir "$GRADER_HOME" --shell /bin/bash "$GRADER"
chmod 700 "$GRADER_HOME"
if [ ! -d "$COURSE_ROOT/.git" ]; then
  git clone --quiet "$REPO" "$COURSE_ROOT"
  upstream="$(git -C "$REPO" remote get-url origin 2>/dev/null || true)"
  [ -n "$upstream" ] && git -C "$COURSE_ROOT" remote set-url origin "$upstream"
fi
ln -sfn "$REPO/.venv" "$COURSE_ROOT/.venv"  # the one course environment (make grade, make release work)
grep -qx '.venv' "$COURSE_ROOT/.git/info/exclude" || echo '.venv' >> "$COURSE_ROOT/.git/info/exclude"
chown -R "$GRADER:$GRADER" "$COURSE_ROOT"
mkdir -p "$COURSE_ROOT/grading" && chown "$GRADER:$GRADER" "$COURSE_ROOT/grading" && chmod 700 "$COURSE_ROOT/grading"

echo "== nbgrader exchange $EXCHANGE"
# Writable by everyone, as nbgrader documents; the sticky bit keeps users from renaming each other's
# entries. nbgrader itself makes inbound/ write-only and feedback/ unlistable for students.
install -d -m 755 "$(dirname "$EXCHANGE")"
install -d -m 1777 -o root -g root "$EXCHANGE"

echo "== JupyterHub service"
install -d -m 700 "$STATE"
install -d -m 755 /etc/dl-course
cat > /etc/dl-course/hub.env <<EOF
DL_COURSE_ID=$COURSE_ID
DL_COURSE_ROOT=$COURSE_ROOT
DL_EXCHANGE_ROOT=$EXCHANGE
DL_HUB_STATE=$STATE
DL_GRADER_USER=$GRADER
DL_STUDENTS_GROUP=$STUDENTS_GROUP
DL_INSTRUCTORS_GROUP=$INSTRUCTORS_GROUP
EOF
cat > /etc/systemd/system/jupyterhub.service <<EOF
[Unit]
Description=JupyterHub for $COURSE_ID
After=network-online.target

[Service]
User=root
WorkingDirectory=$STATE
EnvironmentFile=/etc/dl-course/hub.env
Environment=PATH=$REPO/.venv/bin:/usr/local/bin:/usr/bin:/bin
ExecStart=$REPO/.venv/bin/jupyterhub -f $REPO/deploy/jupyterhub/jupyterhub_config.py
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --quiet jupyterhub
systemctl restart jupyterhub  # re-reads the instructors group

if [ -n "$domain" ]; then
  echo "== HTTPS for $domain (Caddy)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null
  cat > /etc/caddy/Caddyfile <<EOF
$domain {
	reverse_proxy 127.0.0.1:8000
}
EOF
  systemctl restart caddy
  echo "the hub is at https://$domain"
else
  echo "the hub listens on 127.0.0.1:8000 (add --domain NAME for HTTPS)"
fi
echo "initial passwords of new accounts: $PASSWORDS"
