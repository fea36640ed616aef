; Inno Setup script: a per-user Cellsight installer (no administrator rights needed).
; Built on Windows after `python packaging\build.py` has made the bundle:
;   iscc /DAppVersion=0.1.0 packaging\windows\cellsight.iss
; AppVersion must come from the build (packaging\identity.py version), never be typed here.
; Output: packaging\dist\cellsight-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (python packaging\identity.py version)
#endif
#ifndef BundleDir
  #define BundleDir "..\build\bundle\cellsight"
#endif
#define AppName "Cellsight"
#define AppExe "Cellsight.exe"

[Setup]
; The AppId identifies the app to the uninstaller and to upgrades: never change it.
AppId={{6F1C2A7E-3B9D-4C55-9E1A-5D2B7C8E4F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Cellsight developers
VersionInfoVersion={#AppVersion}
; Per-user install into %LOCALAPPDATA%\Programs\Cellsight; the library and logs live in
; the user's AppData folders, so the install folder is never written to.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
SetupIconFile=..\build\icons\cellsight.ico
OutputDir=..\dist
OutputBaseFilename=cellsight-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller one-folder bundle: Cellsight.exe (window), cellsight-cli.exe
; (command line) and _internal\ with Python, Qt, resources\ and seeds\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Research browser for the battery and EV supply chain"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
