"""The functioneel beheerder corrects or adds school holidays here (or loads a year from a CSV file with
`manage.py load_school_holidays`)."""

from django.contrib import admin

from .models import SchoolHoliday


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "school_year", "region", "first_day", "last_day"]
    list_filter = ["region", "school_year"]
    ordering = ["school_year", "region", "first_day"]
