"""Demo data for the city's LINE account and deliveries: the channel (pointing at the
sandbox), keyword replies, templates, segments, schools and simulated friends."""

from __future__ import annotations

from madoguchi.citizens import demo as citizens_demo
from madoguchi.core import clock
from madoguchi.core.models import Municipality
from madoguchi.line.models import KeywordReply, LineChannel
from madoguchi.messaging.models import MessageTemplate, Segment

DEMO_CHANNEL_ID = "2000082155"
DEMO_CHANNEL_SECRET = "demo-channel-secret"  # noqa: S105 - the sandbox's demo secret, by design
DEMO_ACCESS_TOKEN = "demo-channel-access-token"  # noqa: S105 - the sandbox's demo token

KEYWORDS = [
    (
        "手続き、申請、届出、証明書、住民票",
        "手続きのご案内です。\n・住民票の写し・印鑑登録証明書はコンビニ交付も使えます（マイナンバーカードが必要）。\n"
        "・オンラインでできる手続きは「マイページ」からご覧ください。\n窓口: 市民課（市役所1階）",
    ),
    (
        "施設予約、予約、体育館、公民館",
        "公共施設の予約はスマホからできます（準備中の施設もあります）。空き状況と予約は「施設予約」メニューからどうぞ。",
    ),
    (
        "防災、避難、災害、地震、津波、台風",
        "防災情報です。\n・避難所の一覧と開設状況は「避難所」と送ってください。\n・受信設定で「防災」を選ぶと、避難情報をお届けします。",
    ),
    ("避難所", "現在、開設している避難所はありません（デモ）。開設時はこのアカウントでお知らせします。"),
    ("ごみ、ゴミ、収集", "ごみの収集日は地区ごとに異なります。受信設定で地域を選ぶと、収集日の変更をお知らせします。"),
    (
        "問い合わせ、お問い合わせ、連絡先、電話",
        "お問い合わせ先: 市役所の代表電話（デモのため番号は表示していません）\n受付時間: 平日 8時30分〜17時15分（土日祝・年末年始を除く）",
    ),
]

TEMPLATES = [
    (
        "bousai-kunren",
        "防災訓練のお知らせ",
        "{地区}で{日時}に防災訓練を行います。お近くの避難所への避難経路をご確認ください。",
    ),
    ("gomi-henkou", "ごみ収集日の変更", "{地区}の{品目}の収集日が{日付}に変わります。"),
    ("kosodate-kouza", "子育て講座のお知らせ", "{日時}に「{講座名}」を開きます。申し込みはマイページから。"),
]

SEGMENTS = [
    ("防災情報を希望する方", {"topic": ["防災"]}),
    ("子育て情報を希望する方", {"topic": ["子育て"]}),
    ("イベント情報を希望する方", {"topic": ["イベント"]}),
    ("65歳以上の方（住民記録と連携済み）", {"registry_age": ["65-"]}),
]


def seed_line(municipality: Municipality, *, api_base_url: str, friends: int) -> LineChannel:
    """Create what is missing; the channel's URL is updated on every start (the sandbox port may change)."""
    channel, _ = LineChannel.objects.update_or_create(
        municipality=municipality,
        defaults={"api_base_url": api_base_url},
        create_defaults={
            "channel_id": DEMO_CHANNEL_ID,
            "channel_secret": DEMO_CHANNEL_SECRET,
            "access_token": DEMO_ACCESS_TOKEN,
            "api_base_url": api_base_url,
        },
    )
    if not KeywordReply.objects.filter(municipality=municipality).exists():
        KeywordReply.objects.bulk_create(
            KeywordReply(municipality=municipality, keywords=k, reply=r, priority=(i + 1) * 10)
            for i, (k, r) in enumerate(KEYWORDS)
        )
    if not MessageTemplate.objects.filter(municipality=municipality).exists():
        MessageTemplate.objects.bulk_create(
            MessageTemplate(municipality=municipality, key=k, title=t, body=b, created_at=clock.now())
            for k, t, b in TEMPLATES
        )
    if not Segment.objects.filter(municipality=municipality).exists():
        Segment.objects.bulk_create(Segment(municipality=municipality, name=n, filters=f) for n, f in SEGMENTS)
    citizens_demo.seed_schools(municipality)
    citizens_demo.seed_friends(municipality, count=friends)
    return channel
