from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"
    verbose_name = "手数料・使用料の収納"

    def ready(self) -> None:
        from madoguchi.payments.gateways import hosted  # noqa: F401 - registers the hosted-checkout adapter
        from madoguchi.payments.retention import register_rules

        register_rules()

        import datetime as dt

        from madoguchi.core import schedule
        from madoguchi.payments import services

        schedule.every("payments.expire_overdue", dt.timedelta(minutes=1), services.intents_expire_overdue)
        schedule.every("payments.refunds_retry", dt.timedelta(minutes=5), services.refunds_retry)

        from django.conf import settings

        if settings.DEMO_MODE:
            from madoguchi.payments import demo

            demo.register_purpose()
