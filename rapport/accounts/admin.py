from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from rapport.accounts.models import AgentSkill, ApiToken, RoleSecurityPolicy, Skill, Team, User


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 0


@admin.register(User)
class RapportUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "team", "agent_state", "is_active"]
    list_filter = ["groups", "team", "agent_state", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Rapport", {"fields": ["team", "started_on"]}))  # type: ignore[misc]
    inlines = [AgentSkillInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "supervisor"]


admin.site.register(Skill)
admin.site.register(RoleSecurityPolicy)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "prefix"]
