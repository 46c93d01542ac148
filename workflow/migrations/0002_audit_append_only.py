"""On PostgreSQL the audit trail is append-only at the database level as well."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION pozytek_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on workflow_auditevent is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS pozytek_audit_append_only ON workflow_auditevent;
CREATE TRIGGER pozytek_audit_append_only BEFORE UPDATE OR DELETE ON workflow_auditevent
    FOR EACH ROW EXECUTE FUNCTION pozytek_audit_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS pozytek_audit_append_only ON workflow_auditevent;
DROP FUNCTION IF EXISTS pozytek_audit_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the function body's "%" is PL/pgSQL's placeholder, not a query parameter.
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
