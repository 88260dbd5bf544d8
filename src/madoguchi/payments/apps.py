from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"
    verbose_name = "手数料・使用料の収納"

    def ready(self) -> None:
        from madoguchi.payments.gateways import hosted  # noqa: F401 - registers the hosted-checkout adapter
        from madoguchi.payments.retention import register_rules

        register_rules()

        from madoguchi.core.audit import action_labels_register

        action_labels_register(
            {
                "payment.intent_create": "支払いの作成",
                "payment.checkout_start": "オンライン決済の開始",
                "payment.paid": "入金の確認",
                "payment.cash": "窓口での現金受領",
                "payment.expire": "支払期限切れ",
                "payment.cancel": "支払いの取消",
                "payment.refund": "返金",
                "payment.refund_failed": "返金の失敗",
                "payment.late_refund": "期限後の入金の自動返金",
                "payment.duplicate_refund": "二重入金の自動返金",
                "payment.gateway_connect": "決済事業者の接続設定",
            }
        )

        import datetime as dt

        from madoguchi.core import schedule
        from madoguchi.payments import services

        schedule.every("payments.expire_overdue", dt.timedelta(minutes=1), services.intents_expire_overdue)
        schedule.every("payments.refunds_retry", dt.timedelta(minutes=5), services.refunds_retry)

        from django.conf import settings

        if settings.DEMO_MODE:
            from madoguchi.payments import demo

            demo.register_purpose()
