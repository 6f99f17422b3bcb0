from django.urls import path

from initiatives import views as initiative_views
from summaries import views as summary_views

from .views import autosave as autosave_views
from .views import questionnaires as questionnaire_views
from .views import reminders as reminder_views
from .views import reports as views
from .views import rounds as round_views

app_name = "rounds"

report = "<slug:round_slug>/platforms/<slug:code>/"
questionnaire = "<slug:round_slug>/questionnaire/"

urlpatterns = [
    path("", views.round_list, name="list"),
    # Fixed paths first: a round's code cannot be "new" or "themes" (RoundForm refuses them).
    path("new/", round_views.round_form, name="create"),
    path("themes/", round_views.theme_list, name="theme_list"),
    path("themes/new/", round_views.theme_form, name="theme_create"),
    path("themes/<slug:theme_slug>/edit/", round_views.theme_form, name="theme_edit"),
    path("<slug:round_slug>/", views.round_detail, name="detail"),
    path("<slug:round_slug>/status.csv", views.round_status_download, {"fmt": "csv"}, name="status_csv"),
    path("<slug:round_slug>/status.xlsx", views.round_status_download, {"fmt": "xlsx"}, name="status_xlsx"),
    path("<slug:round_slug>/edit/", round_views.round_form, name="edit"),
    path("<slug:round_slug>/close/", round_views.round_close, name="close"),
    path("<slug:round_slug>/reminders/", reminder_views.round_reminders, name="reminders"),
    path("<slug:round_slug>/platforms/", round_views.round_roster, name="roster"),
    path("<slug:round_slug>/platforms/<slug:code>/remove/", round_views.round_roster_remove, name="roster_remove"),
    path("<slug:round_slug>/summary/", summary_views.round_summary, name="summary"),
    path("<slug:round_slug>/summary.json", summary_views.round_summary_json, name="summary_json"),
    path("<slug:round_slug>/summary/platforms/", summary_views.summary_platforms, name="summary_platforms"),
    path("<slug:round_slug>/summary/platforms.csv", summary_views.summary_platforms_download, {"fmt": "csv"},
         name="summary_platforms_csv"),
    path("<slug:round_slug>/summary/platforms.xlsx", summary_views.summary_platforms_download, {"fmt": "xlsx"},
         name="summary_platforms_xlsx"),
    path("<slug:round_slug>/initiatives/", summary_views.initiative_list, name="initiative_list"),
    path("<slug:round_slug>/answer/", summary_views.round_answer, name="answer"),
    path("<slug:round_slug>/answer.docx", summary_views.round_answer_docx, name="answer_docx"),
    path("<slug:round_slug>/export.csv", summary_views.export_reports, {"fmt": "csv"}, name="export_csv"),
    path("<slug:round_slug>/export.xlsx", summary_views.export_reports, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<slug:round_slug>/initiatives.csv", summary_views.export_initiatives, {"fmt": "csv"},
         name="initiatives_csv"),
    path("<slug:round_slug>/initiatives.xlsx", summary_views.export_initiatives, {"fmt": "xlsx"},
         name="initiatives_xlsx"),
    path(questionnaire, questionnaire_views.questionnaire_detail, name="questionnaire"),
    path(f"{questionnaire}preview/", questionnaire_views.questionnaire_preview, name="questionnaire_preview"),
    path(f"{questionnaire}copy/", questionnaire_views.questionnaire_copy_form, name="questionnaire_copy"),
    path(f"{questionnaire}upload/", questionnaire_views.questionnaire_upload, name="questionnaire_upload"),
    path(f"{questionnaire}download.xlsx", questionnaire_views.questionnaire_download, name="questionnaire_download"),
    path(f"{questionnaire}sentences/", questionnaire_views.questionnaire_sentences, name="questionnaire_sentences"),
    path(f"{questionnaire}sections/new/", questionnaire_views.section_form, name="questionnaire_section_create"),
    path(f"{questionnaire}sections/<slug:section_key>/edit/", questionnaire_views.section_form,
         name="questionnaire_section_edit"),
    path(f"{questionnaire}sections/<slug:section_key>/move/", questionnaire_views.section_move,
         name="questionnaire_section_move"),
    path(f"{questionnaire}sections/<slug:section_key>/remove/", questionnaire_views.section_remove,
         name="questionnaire_section_remove"),
    path(f"{questionnaire}sections/<slug:section_key>/questions/new/", questionnaire_views.question_form,
         name="questionnaire_question_create"),
    path(f"{questionnaire}questions/<slug:question_key>/edit/", questionnaire_views.question_form,
         name="questionnaire_question_edit"),
    path(f"{questionnaire}questions/<slug:question_key>/move/", questionnaire_views.question_move,
         name="questionnaire_question_move"),
    path(f"{questionnaire}questions/<slug:question_key>/remove/", questionnaire_views.question_remove,
         name="questionnaire_question_remove"),
    path(f"{report}report/", views.report, name="report"),
    path(f"{report}report/autosave/", autosave_views.report_autosave, name="report_autosave"),
    path(f"{report}report/history/", views.report_history, name="report_history"),
    path(f"{report}report/return/", views.report_return, name="report_return"),
    path(f"{report}report/reopen/", views.report_reopen, name="report_reopen"),
    path(f"{report}initiatives/add/", initiative_views.initiative_create, name="initiative_create"),
    path(f"{report}initiatives/<int:pk>/", initiative_views.initiative_detail, name="initiative_detail"),
    path(f"{report}initiatives/<int:pk>/edit/", initiative_views.initiative_edit, name="initiative_edit"),
    path(f"{report}initiatives/<int:pk>/delete/", initiative_views.initiative_delete, name="initiative_delete"),
]
