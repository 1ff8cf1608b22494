from django.db import migrations


def create(apps, schema_editor):
    from risk.defaults import create_shipped_matrices

    create_shipped_matrices(apps.get_model("risk", "RiskMatrix"), apps.get_model("risk", "RiskCriteria"))


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
