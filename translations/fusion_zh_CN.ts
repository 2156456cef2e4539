<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>fw::ui::MainWindow</name>
    <message>
        <source>Fusion Workstation</source>
        <translation>融合工作站</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open File…</source>
        <translation>打开文件(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;DICOM Folder…</source>
        <translation>打开 DICOM 文件夹(&amp;D)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open &amp;Sample Study</source>
        <translation>打开示例检查(&amp;S)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Save Screens&amp;hot…</source>
        <translation>保存截图(&amp;H)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+S</source>
        <translation>Ctrl+Shift+S</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Four Views</source>
        <translation>四视图(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Axial</source>
        <translation>轴位(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Coronal</source>
        <translation>冠状位(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Sagittal</source>
        <translation>矢状位(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;3D</source>
        <translation>三维(&amp;3)</translation>
    </message>
    <message>
        <source>&amp;Reset Views</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>&amp;Window/Level</source>
        <translation>窗宽/窗位(&amp;W)</translation>
    </message>
    <message>
        <source>%1  (W %2, L %3)</source>
        <translation>%1  (窗宽 %2, 窗位 %3)</translation>
    </message>
    <message>
        <source>&amp;Default for This Volume</source>
        <translation>此容积的默认值(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Mouse and Keys</source>
        <translation>鼠标与按键(&amp;M)</translation>
    </message>
    <message>
        <source>Mouse and Keys</source>
        <translation>鼠标与按键</translation>
    </message>
    <message>
        <source>&lt;b&gt;Slice views&lt;/b&gt;&lt;br&gt;Left click or drag: move the cursor (all views follow)&lt;br&gt;Wheel, Up/Down, PageUp/PageDown: scroll slices&lt;br&gt;Right drag: window (left/right) and level (up/down)&lt;br&gt;Middle drag or Shift+left drag: pan&lt;br&gt;Ctrl+wheel or Ctrl+left drag: zoom; R: reset view&lt;br&gt;Double-click: maximise or restore the view&lt;br&gt;&lt;br&gt;&lt;b&gt;3D view&lt;/b&gt;&lt;br&gt;Left drag: rotate; middle drag: pan; right drag or wheel: zoom; R: reset&lt;br&gt;&lt;br&gt;&lt;b&gt;Window presets&lt;/b&gt;&lt;br&gt;Ctrl+1 … Ctrl+6</source>
        <translation>&lt;b&gt;切片视图&lt;/b&gt;&lt;br&gt;左键单击或拖动：移动光标（所有视图同步）&lt;br&gt;滚轮、上/下方向键、PageUp/PageDown：逐层浏览&lt;br&gt;右键拖动：调节窗宽（左右）和窗位（上下）&lt;br&gt;中键拖动或 Shift+左键拖动：平移&lt;br&gt;Ctrl+滚轮或 Ctrl+左键拖动：缩放；R：重置视图&lt;br&gt;双击：最大化或还原视图&lt;br&gt;&lt;br&gt;&lt;b&gt;三维视图&lt;/b&gt;&lt;br&gt;左键拖动：旋转；中键拖动：平移；右键拖动或滚轮：缩放；R：重置&lt;br&gt;&lt;br&gt;&lt;b&gt;窗口预设&lt;/b&gt;&lt;br&gt;Ctrl+1 … Ctrl+6</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About Fusion Workstation</source>
        <translation>关于融合工作站</translation>
    </message>
    <message>
        <source>&lt;b&gt;Fusion Workstation&lt;/b&gt; %1&lt;br&gt;CT/MRI fusion and visualization.&lt;br&gt;Positions are shown in LPS millimetres (DICOM patient coordinates).</source>
        <translation>&lt;b&gt;融合工作站&lt;/b&gt; %1&lt;br&gt;CT/MRI 融合与可视化。&lt;br&gt;位置以 LPS 毫米显示（DICOM 患者坐标系）。</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Sample Study</source>
        <translation>示例检查</translation>
    </message>
    <message>
        <source> Window: </source>
        <translation> 窗口：</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>  3D: </source>
        <translation>  三维：</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No volume loaded: File &gt; Open, drop a file here, or open the sample study</source>
        <translation>未加载容积：请使用“文件 &gt; 打开”、将文件拖放到此处，或打开示例检查</translation>
    </message>
    <message>
        <source>Cursor (LPS): %1, %2, %3 mm</source>
        <translation>光标 (LPS)：%1, %2, %3 mm</translation>
    </message>
    <message>
        <source>Value: %1%2  Voxel: [%3, %4, %5]</source>
        <translation>值：%1%2  体素：[%3, %4, %5]</translation>
    </message>
    <message>
        <source>Value: outside the volume</source>
        <translation>值：在容积之外</translation>
    </message>
    <message>
        <source>Please wait: %1 is still running</source>
        <translation>请稍候：%1 仍在运行</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>已加载 %1</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Opening %1</source>
        <translation>正在打开 %1</translation>
    </message>
    <message>
        <source>Opening the sample study</source>
        <translation>正在打开示例检查</translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)</source>
        <translation>图像 (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Study Browser</source>
        <translation>检查浏览器</translation>
    </message>
    <message>
        <source>Open DICOMD&amp;IR…</source>
        <translation>打开 DICOMDIR(&amp;I)…</translation>
    </message>
    <message>
        <source>Study &amp;Browser</source>
        <translation>检查浏览器(&amp;B)</translation>
    </message>
    <message>
        <source>Opening cancelled</source>
        <translation>打开已取消</translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>Nothing to show from %1</source>
        <translation>%1 中没有可显示的图像</translation>
    </message>
    <message>
        <source>%1, volume 1 of %2</source>
        <translation>%1，第 1 个容积（共 %2 个）</translation>
    </message>
    <message>
        <source>Series &apos;%1&apos;: 1 warning</source>
        <translation>序列“%1”：1 条警告</translation>
    </message>
    <message>
        <source>Series &apos;%1&apos;: %2 warnings</source>
        <translation>序列“%1”：%2 条警告</translation>
    </message>
    <message>
        <source>Cannot load series &apos;%1&apos;</source>
        <translation>无法加载序列“%1”</translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <source>the sample study</source>
        <translation>示例检查</translation>
    </message>
    <message>
        <source>Open DICOMDIR</source>
        <translation>打开 DICOMDIR</translation>
    </message>
    <message>
        <source>DICOMDIR (DICOMDIR dicomdir);;All files (*)</source>
        <translation>DICOMDIR (DICOMDIR dicomdir);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>fw::ui::SliceView</name>
    <message>
        <source>ID: %1</source>
        <translation>ID：%1</translation>
    </message>
    <message>
        <source>Born: %1 %2</source>
        <translation>出生日期：%1 %2</translation>
    </message>
    <message>
        <source>%1  Im: %2/%3
%4</source>
        <translation>%1  图像：%2/%3
%4</translation>
    </message>
    <message>
        <source>W: %1 L: %2
Zoom: %3%</source>
        <translation>窗宽：%1 窗位：%2
缩放：%3%</translation>
    </message>
</context>
<context>
    <name>fw::ui::NoticeBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>… and %1 more (see the series&apos; tooltip in the study browser)</source>
        <translation>……另有 %1 条（见检查浏览器中该序列的提示）</translation>
    </message>
</context>
<context>
    <name>fw::ui::StudyBrowser</name>
    <message>
        <source>Filter: name, ID, date, description, modality…</source>
        <translation>筛选：姓名、ID、日期、描述、模态…</translation>
    </message>
    <message>
        <source>Open a DICOM folder or DICOMDIR, or drop a folder here.</source>
        <translation>打开 DICOM 文件夹或 DICOMDIR，或将文件夹拖放到此处。</translation>
    </message>
    <message>
        <source>1 patient</source>
        <translation>1 位患者</translation>
    </message>
    <message>
        <source>%1 patients</source>
        <translation>%1 位患者</translation>
    </message>
    <message>
        <source>1 study</source>
        <translation>1 个检查</translation>
    </message>
    <message>
        <source>%1 studies</source>
        <translation>%1 个检查</translation>
    </message>
    <message>
        <source>%1: %2, %3, %4 series in %5 files</source>
        <translation>%1：%2，%3，%4 个序列，共 %5 个文件</translation>
    </message>
    <message>
        <source>1 file skipped</source>
        <translation>跳过 1 个文件</translation>
    </message>
    <message>
        <source>%1 files skipped</source>
        <translation>跳过 %1 个文件</translation>
    </message>
    <message>
        <source>1 note</source>
        <translation>1 条说明</translation>
    </message>
    <message>
        <source>%1 notes</source>
        <translation>%1 条说明</translation>
    </message>
    <message>
        <source>Files the scan skipped</source>
        <translation>扫描时跳过的文件</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>(note)</source>
        <translation>（说明）</translation>
    </message>
</context>
<context>
    <name>fw::ui::StudyBrowserProxy</name>
    <message>
        <source>Patient / Study / Series</source>
        <translation>患者 / 检查 / 序列</translation>
    </message>
    <message>
        <source>ID / No.</source>
        <translation>ID / 编号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
</context>
</TS>
