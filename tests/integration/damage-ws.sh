# damage-ws.sh: the workspace of the corruption campaign (damage.sh,
# bench/damage).  damage_workspace W SUBJECTS writes a CRM of SUBJECTS
# customers and a billing export of half of them into the initialised
# workspace W, maps both, and commits the mappings.
damage_workspace() {
	W=$1
	N=${2:-1500}
	mkdir -p "$W/data"
	python3 - "$W/data" "$N" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
with open(d + "/crm.csv", "w") as f:
    f.write("customer_no,email,birth\n")
    for i in range(n):
        f.write("C%05d,person%d@example.com,19%02d-01-01\n" % (i, i, i % 100))
with open(d + "/billing.csv", "w") as f:
    f.write("customer_no,amount\n")
    for i in range(0, n, 2):
        f.write("C%05d,%d.50\n" % (i, i % 97))
PY
	cat > "$W/mappings/systems/crm.yaml" <<'YAML'
schema: 1
system:
  id: crm
  name: "CRM"
  plugin: csv
  purposes: [contract-conclusion, customer-newsletters]
  sources:
    - name: data/crm.csv
      identifiers:
        customer_no: customer-number
        email: email
      categories:
        email: collected/identification-contact
        birth: collected/personal-characteristics
      subject_kind: customers
YAML
	cat > "$W/mappings/systems/billing.yaml" <<'YAML'
schema: 1
system:
  id: billing
  name: "Billing"
  plugin: csv
  purposes: [billing-accounting]
  sources:
    - name: data/billing.csv
      identifiers:
        customer_no: customer-number
      categories:
        amount: observed/billing
      subject_kind: customers
YAML
	git -C "$W" add -A mappings
	git -C "$W" -c user.name=t -c user.email=t@example.com commit -q -m systems
}
